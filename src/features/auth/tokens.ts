import { createSecretKey, hkdfSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Config } from '../../config/config';
import { AppError } from '../../errors/app-error';

// jose is pinned to 5.10.0: jose 6 ships ES modules only, and this service compiles to CommonJS
// and runs its tests under Jest's CommonJS loader. 5.x is the maintained previous major.

const ISSUER = 'statelab';
const AUDIENCE = 'statelab-api';
const ALGORITHM = 'HS256';

export interface SigningKeys {
  /** The key new tokens are signed with (the first of JWT_KEYS). */
  current: { kid: string; key: KeyObject };
  /** Every key a token may name in its `kid` header: old keys stay here until their tokens expire. */
  byKid: Map<string, KeyObject>;
}

/**
 * Keys from JWT_KEYS (`kid=secret,kid=secret`). Rotation: put the new kid first, keep the old
 * one until JWT_TTL_SECONDS have passed, then drop it. Without JWT_KEYS one key is derived from
 * SESSION_SECRET (HKDF), so a cluster has a per-deployment key without another secret to set.
 */
export function signingKeys(config: Config): SigningKeys {
  const pairs = config.jwtKeys
    ? config.jwtKeys.split(',').map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), Buffer.from(pair.slice(at + 1), 'utf8')] as const;
      })
    : [['derived-1', Buffer.from(hkdfSync('sha256', config.sessionSecret, '', 'statelab login tokens', 32))] as const];
  const byKid = new Map(pairs.map(([kid, secret]) => [kid, createSecretKey(secret)]));
  const [kid, secret] = pairs[0]!;
  return { current: { kid, key: createSecretKey(secret) }, byKid };
}

export interface TokenClaims {
  jti: string;
  sub: string;
  email: string;
  name: string;
  /** Seconds since the epoch. */
  exp: number;
}

export async function issueToken(keys: SigningKeys, ttlSeconds: number, user: { id: number; email: string; name: string }) {
  const jti = randomUUID();
  const token = await new SignJWT({ email: user.email, name: user.name })
    .setProtectedHeader({ alg: ALGORITHM, kid: keys.current.kid, typ: 'JWT' })
    .setSubject(String(user.id))
    .setJti(jti)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(keys.current.key);
  return { token, jti, expiresAt: new Date((Math.floor(Date.now() / 1000) + ttlSeconds) * 1000).toISOString() };
}

/**
 * Teaching note: verification needs nothing but the key. Any replica checks the signature and
 * the expiry on its own, with no shared state — which is exactly why it cannot know that the
 * token was revoked a second ago on another replica.
 */
export async function verifyToken(keys: SigningKeys, token: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify<JWTPayload & { email: string; name: string }>(
      token,
      (header) => {
        const key = header.kid === undefined ? undefined : keys.byKid.get(header.kid);
        if (!key) throw new joseErrors.JWKSNoMatchingKey();
        return key;
      },
      { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALGORITHM], requiredClaims: ['jti', 'sub', 'exp'] },
    );
    return { jti: payload.jti!, sub: payload.sub!, email: payload.email, name: payload.name, exp: payload.exp! };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw new AppError('TOKEN_INVALID', undefined, { reason: err.code });
    throw err;
  }
}
