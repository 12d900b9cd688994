import { z } from 'zod';
import { bigintDigits } from '../../http/database-values';

export const sessionsQuery = z.object({
  /** SCAN cursor from the previous page; "0" starts a walk. */
  cursor: z.string().regex(/^\d{1,20}$/).default('0'),
  count: z.coerce.number().int().min(1).max(500).default(50),
});

export const sessionParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a login session id') });

export const auditQuery = z.object({
  /** Rows with an id below this one (the nextCursor of the previous page). */
  before: bigintDigits().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
