// Lesson 12's checks: they read only the lesson's own events since the last reset (logins, walk,
// revoke, audit), so the page's *Check my work* and `npm run lab -- check 12` say the same.
import type { LabHistory } from '../lab-history';
import type { CheckPart } from '../lab-types';
import { part } from './check-kit';
import type { Check } from './lesson';
import { ADMIN_LESSON, type Answer, type AuditRead, type LoginRound, type ReplicaAsked, type Revocation, type SessionsWalk } from './12-admin-api.contract';

const eventsOf = <T>(history: LabHistory, kind: string): T[] => history.lessonEventsOf<T>(ADMIN_LESSON, kind).map((e) => e.data);
const shown = (a: Answer) => `${a.status === 0 ? 'no answer' : a.status}${a.errorCode ? ` ${a.errorCode}` : ''}`;
const short = (handle: string) => `${handle.slice(0, 6)}…`;

/** Logins that succeeded in the newest round. */
const loggedIn = (round: LoginRound) => round.logins.filter((l) => l.status === 201 && l.handle);

export function judgeLogins(history: LabHistory): CheckPart[] {
  const round = eventsOf<LoginRound>(history, 'logins').at(-1);
  if (!round) return [part('students logged in', false, 'no login since the last reset — press **Log the students in** in Admin API')];
  const ok = loggedIn(round);
  const failed = round.logins.filter((l) => !ok.includes(l));
  const list = ok.map((l) => `${l.email} → handle ${short(l.handle!)} (via ${l.replica ?? '?'})`).join(', ');
  const why = failed.length ? `; ${failed.length} failed: ${failed.map((l) => `${l.email} ${shown(l)}`).join(', ')} — is PostgreSQL up, and Redis?` : '';
  return [part('students logged in', ok.length >= 2, `${ok.length} of ${round.logins.length} logged in (need 2): ${list || 'none'}${why}`)];
}

export function judgeListing(history: LabHistory): CheckPart[] {
  const round = eventsOf<LoginRound>(history, 'logins').at(-1);
  if (!round || loggedIn(round).length === 0) return [part('the students\' logins listed', false, 'log the students in first (step 1), then press **List the sessions**')];
  const walk = eventsOf<SessionsWalk>(history, 'walk').filter((w) => w.at >= round.at).at(-1);
  if (!walk) return [part('the students\' logins listed', false, 'no listing since the students logged in — press **List the sessions**')];
  const revokedBefore = new Set(eventsOf<Revocation>(history, 'revoke').filter((r) => r.at < walk.at && r.withWriteKey.status === 204).map((r) => r.handle));
  const expected = loggedIn(round).filter((l) => !revokedBefore.has(l.handle!));
  const listed = new Set(walk.sessions.map((s) => s.handle));
  const missing = expected.filter((l) => !listed.has(l.handle!));
  const empty = walk.pages.filter((p) => p.items === 0).length;
  const answeredBy = [...new Set(walk.pages.map((p) => p.replica ?? 'none'))].sort().join(', ');
  const last = walk.pages.at(-1);
  const walked = walk.complete
    ? `${walk.pages.length} pages of SCAN COUNT ${walk.count} (${empty} empty), answered by ${answeredBy}; the last page's nextCursor was null`
    : `the walk stopped after ${walk.pages.length} pages: ${last && last.status !== 200 ? `a page answered ${shown(last)}` : `the cursor had not come back to 0 — list again with a larger COUNT`}`;
  return [
    part('the whole keyspace walked', walk.complete, walked),
    part('every student\'s login listed', walk.complete && missing.length === 0, missing.length ? `not listed: ${missing.map((l) => `${l.email} (${short(l.handle!)})`).join(', ')}` : `${expected.length} of the students' handles among ${walk.sessions.length} listed logins`),
    part('no credential in the listing', walk.credentialsSeen === 0, walk.credentialsSeen === 0 ? 'none of the students\' cookie secrets appeared in any answer: handles only' : `${walk.credentialsSeen} answers carried a student's cookie secret`),
  ];
}

const everyReplica = (asked: ReplicaAsked[], replicas: string[], status: number) => {
  const right = asked.filter((a) => a.status === status);
  const detail = asked.map((a) => `${a.target} ${shown(a)}${a.replica && a.replica !== a.target ? ` (answered by ${a.replica})` : ''}`).join(', ');
  const all = replicas.every((r) => right.some((a) => a.target === r && a.replica === r));
  return { passed: all, detail: `${detail || 'nobody asked'} — ${right.length} of ${replicas.length} replicas` };
};

export function judgeRevocation(history: LabHistory): CheckPart[] {
  const r = eventsOf<Revocation>(history, 'revoke').at(-1);
  if (!r) return [part('a student revoked', false, 'no revoke since the last reset — choose a student in Admin API and press **Revoke**')];
  const before = everyReplica(r.before, r.replicas, 200);
  const after = everyReplica(r.after, r.replicas, 401);
  return [
    part('the read key may not revoke', r.withReadKey.status === 403 && r.withReadKey.errorCode === 'API_KEY_SCOPE', `DELETE with key:${r.keys.read} (read): ${shown(r.withReadKey)}`),
    part('the write key revoked it', r.withWriteKey.status === 204, `DELETE …/sessions/${short(r.handle)} of ${r.email} with key:${r.keys.write} (write): ${shown(r.withWriteKey)} from ${r.withWriteKey.replica ?? 'no replica'}`),
    part('every replica let the student in before', before.passed, before.detail),
    part('every replica refuses the student after', after.passed, `${after.detail}${after.passed ? ': nobody had to tell them — the login was one Redis key' : ' — every replica should answer 401 (is each one up?)'}`),
  ];
}

export function judgeAudit(history: LabHistory): CheckPart[] {
  const r = eventsOf<Revocation>(history, 'revoke').filter((x) => x.withWriteKey.status === 204).at(-1);
  if (!r) return [part('the revoke in the audit log', false, 'revoke a student first (step 3), then press **Read the audit log**')];
  const read = eventsOf<AuditRead>(history, 'audit').filter((a) => a.at >= r.at).at(-1);
  if (!read) return [part('the revoke in the audit log', false, 'no audit read since the revoke — press **Read the audit log**')];
  if (read.status !== 200) return [part('the revoke in the audit log', false, `the audit read answered ${shown(read)} — is PostgreSQL up?`)];
  const row = read.rows.find((x) => x.action === 'ADMIN_SESSION_REVOKED' && x.target === r.handle);
  const right = row !== undefined && row.actor === `key:${r.keys.write}` && row.instance === r.withWriteKey.replica;
  const revokedDetail = row
    ? `row ${row.id}: ADMIN_SESSION_REVOKED by ${row.actor} on ${short(row.target ?? '')}, written by ${row.instance} (the 204 came from ${r.withWriteKey.replica})`
    : `no ADMIN_SESSION_REVOKED row for ${short(r.handle)} among the newest ${read.rows.length} — read more rows`;
  const denied = read.rows.find((x) => x.action === 'ADMIN_SCOPE_DENIED' && x.actor === `key:${r.keys.read}`);
  return [
    part('the revoke in the audit log', right, revokedDetail),
    part('the refused attempt in the audit log', denied !== undefined, denied ? `row ${denied.id}: ADMIN_SCOPE_DENIED by ${denied.actor}, written by ${denied.instance}` : `no ADMIN_SCOPE_DENIED row by key:${r.keys.read} among the newest ${read.rows.length} — read more rows`),
  ];
}

export const ADMIN_CHECKS: Record<string, Check> = {
  'admin-logins': ({ history }) => judgeLogins(history),
  'admin-listed': ({ history }) => judgeListing(history),
  'admin-revoked': ({ history }) => judgeRevocation(history),
  'admin-audited': ({ history }) => judgeAudit(history),
};
