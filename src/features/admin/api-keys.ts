import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyScope } from '../../generated/prisma/client';
import type { Database } from '../../infra/database';

// slk_<public id>_<secret>: the id finds the row, the secret proves possession.
const KEY_FORMAT = /^slk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * SHA-256, not scrypt: an API key carries 256 random bits, so there is no dictionary to guess
 * from and a slow hash would only slow every admin request. (Passwords are the opposite case.)
 */
function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export interface CreatedKey {
  id: string;
  scope: ApiKeyScope;
  label: string;
  /** The full key. Shown once; only its hash is stored. */
  key: string;
}

export async function createApiKey(prisma: Database, scope: ApiKeyScope, label: string): Promise<CreatedKey> {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await prisma.apiKey.create({ data: { id, scope, label, secretHash: digest(secret).toString('hex') } });
  return { id, scope, label, key: `slk_${id}_${secret}` };
}

/** True when a key with that id existed and was not yet revoked. */
export async function revokeApiKey(prisma: Database, id: string): Promise<boolean> {
  const { count } = await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return count > 0;
}

export type KeyCheck =
  | { ok: true; id: string; scope: ApiKeyScope }
  | { ok: false; id?: string; reason: 'missing' | 'malformed' | 'unknown' | 'revoked' | 'mismatch' };

const ZERO = Buffer.alloc(32);

/**
 * Checks a presented key. The stored hash is compared with timingSafeEqual, and an unknown id
 * still costs one comparison, so timing reveals neither how much of a secret matched nor which
 * ids exist.
 */
export async function checkApiKey(prisma: Database, presented: string | undefined): Promise<KeyCheck> {
  if (!presented) return { ok: false, reason: 'missing' };
  const match = KEY_FORMAT.exec(presented);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, id, secret] = match as unknown as [string, string, string];
  const row = await prisma.apiKey.findUnique({ where: { id } });
  const expected = row ? Buffer.from(row.secretHash, 'hex') : ZERO;
  const equal = timingSafeEqual(expected, digest(secret));
  if (!row) return { ok: false, id, reason: 'unknown' };
  if (!equal) return { ok: false, id, reason: 'mismatch' };
  if (row.revokedAt) return { ok: false, id, reason: 'revoked' };
  return { ok: true, id, scope: row.scope };
}
