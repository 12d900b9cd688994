import { z } from 'zod';
import { storableString } from '../../http/database-values';

export const loginBody = z.strictObject({
  email: z.email().max(254),
  // Never stored, but hashed as UTF-8: a lone surrogate would turn into U+FFFD first.
  password: storableString().min(1).max(256),
  /** session: a cookie naming a Redis key; token: a signed JWT the client sends as Bearer. */
  mode: z.enum(['session', 'token']).default('session'),
});

export const meQuery = z.object({
  // Teaching note: a server setting (JWT_DENYLIST) in real life, never the client's choice. `on`
  // is always honoured (it only adds a check); `off` only where LAB_SWITCHES=true, so one lab
  // cluster can show both behaviours side by side while no client of a real one skips revocation.
  denylist: z.enum(['on', 'off']).optional(),
});
