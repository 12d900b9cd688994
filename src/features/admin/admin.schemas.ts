import { z } from 'zod';
import { bigintDigits } from '../../http/database-values';

export const sessionsQuery = z.object({
  /** SCAN cursor from the previous page; "0" starts a walk. */
  cursor: z.string().regex(/^\d{1,20}$/).default('0'),
  count: z.coerce.number().int().min(1).max(500).default(50),
});

/** A login session's public handle, never its credential (login-sessions.ts). */
export const sessionParams = z.object({ handle: z.string().regex(/^[0-9a-f]{16}$/, 'a login session handle: 16 hex digits') });

export const auditQuery = z.object({
  /** Rows with an id below this one (the nextCursor of the previous page). */
  before: bigintDigits().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
