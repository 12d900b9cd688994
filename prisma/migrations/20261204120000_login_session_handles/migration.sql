-- Login sessions get a public handle (issue 19). Until now a login session was named by its id,
-- which was also its whole credential (the cookie value), and the audit log kept that id in
-- `target` for LOGIN and LOGOUT of a session and for an admin read or revoke of one: rows kept
-- forever and copied into every backup. Those ids are blanked here. The rows keep who did what,
-- when, on which replica. The ids were 32 random bytes in base64url (43 characters). Token ids
-- (UUIDs) and API key ids look nothing like them and stay.
UPDATE audit_log
SET target = NULL
WHERE action IN ('LOGIN', 'LOGOUT', 'ADMIN_SESSION_READ', 'ADMIN_SESSION_REVOKED')
  AND target ~ '^[A-Za-z0-9_-]{43}$';
