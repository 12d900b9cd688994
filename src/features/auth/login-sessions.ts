import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/config';
import { guardRedis } from '../../infra/dependency-guard';

/** What anyone may see of a login: its public handle and who it is. Never the credential. */
export interface LoginSession {
  /** Public name of this login: in bodies, the audit log, admin paths. Proves nothing. */
  handle: string;
  userId: number;
  email: string;
  name: string;
  createdAt: string;
  createdBy: string;
}

/** The Redis record: the session plus a SHA-256 of its secret, never the secret itself. */
interface StoredLogin extends LoginSession {
  secretHash: string;
}

export const LOGIN_COOKIE = 'statelab.login';

// <handle>.<secret>: the handle finds the record, the secret proves possession (as the admin
// API keys do, slk_<id>_<secret>).
const CREDENTIAL = /^([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
export const HANDLE = /^[0-9a-f]{16}$/;

const digest = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

function publicView({ secretHash: _secret, ...session }: StoredLogin): LoginSession {
  return session;
}

/**
 * Server-side login sessions: the cookie holds a public handle and 256 random bits; everything
 * the server knows about the login is one Redis key, named by the handle. Teaching note: that
 * key is the whole session, so deleting it logs the user out on every replica at the same
 * instant.
 *
 * Teaching note: the handle and the credential are two things on purpose. An id that is also
 * the credential ends up where ids go — response bodies, the audit log (kept forever, in every
 * backup), an admin listing, URL paths that nginx logs — and anyone who reads one of those can
 * log in as that user. The handle goes there; the secret only ever travels in the cookie, and
 * Redis keeps a SHA-256 of it (256 random bits need no slow hash), so not even a copy of Redis's
 * keyspace logs anyone in.
 */
export function loginSessions(config: Config, redis: Redis) {
  const prefix = `${config.redisKeyPrefix}login:`;
  const denyPrefix = `${config.redisKeyPrefix}jwt-deny:`;
  const timeout = config.dependencyTimeoutMs;
  const parse = (json: string | null): StoredLogin | null => (json === null ? null : (JSON.parse(json) as StoredLogin));

  return {
    prefix,
    /** A new login; `credential` is the cookie's value and is returned here only. */
    async create(user: { id: number; email: string; name: string }, instance: string): Promise<{ session: LoginSession; credential: string }> {
      const secret = randomBytes(32).toString('base64url');
      const stored: StoredLogin = {
        handle: randomBytes(8).toString('hex'),
        userId: user.id,
        email: user.email,
        name: user.name,
        createdAt: new Date().toISOString(),
        createdBy: instance,
        secretHash: digest(secret).toString('hex'),
      };
      await guardRedis(() => redis.set(prefix + stored.handle, JSON.stringify(stored), 'EX', config.sessionTtlSeconds), timeout);
      return { session: publicView(stored), credential: `${stored.handle}.${secret}` };
    },

    /** The login a cookie proves, or null: unknown handle, wrong secret, or not a credential at all. */
    async authenticate(credential: string): Promise<LoginSession | null> {
      const match = CREDENTIAL.exec(credential);
      if (!match) return null;
      const [, handle, secret] = match as unknown as [string, string, string];
      const stored = parse(await guardRedis(() => redis.get(prefix + handle), timeout));
      if (!stored) return null;
      return timingSafeEqual(Buffer.from(stored.secretHash, 'hex'), digest(secret)) ? publicView(stored) : null;
    },

    /** The login with this public handle (the admin's view), or null. */
    async byHandle(handle: string): Promise<LoginSession | null> {
      const stored = parse(await guardRedis(() => redis.get(prefix + handle), timeout));
      return stored ? publicView(stored) : null;
    },

    /** True when the session existed. */
    async remove(handle: string): Promise<boolean> {
      return (await guardRedis(() => redis.del(prefix + handle), timeout)) > 0;
    },

    /**
     * One page of live sessions. SCAN walks the keyspace a few keys at a time, so Redis keeps
     * serving everyone else; KEYS would block it for the whole walk. A page may hold fewer than
     * `count` items (or none) while the cursor is not yet 0: the caller follows the cursor.
     */
    async page(cursor: string, count: number): Promise<{ items: (LoginSession & { ttlSeconds: number })[]; nextCursor: string | null }> {
      const [next, keys] = await guardRedis(() => redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', count), timeout);
      const items: (LoginSession & { ttlSeconds: number })[] = [];
      if (keys.length > 0) {
        const pipeline = redis.pipeline();
        for (const key of keys) pipeline.get(key).ttl(key);
        const replies = (await guardRedis(() => pipeline.exec(), timeout)) ?? [];
        keys.forEach((_, i) => {
          const stored = parse(replies[2 * i]?.[1] as string | null);
          if (stored) items.push({ ...publicView(stored), ttlSeconds: Number(replies[2 * i + 1]?.[1]) });
        });
      }
      return { items, nextCursor: next === '0' ? null : next };
    },

    /** Denylists a token id until the token would expire anyway; then the entry expires too. */
    async deny(jti: string, expiresAtSeconds: number): Promise<void> {
      const ttl = expiresAtSeconds - Math.floor(Date.now() / 1000);
      if (ttl > 0) await guardRedis(() => redis.set(denyPrefix + jti, '1', 'EX', ttl), timeout);
    },

    async isDenied(jti: string): Promise<boolean> {
      return (await guardRedis(() => redis.exists(denyPrefix + jti), timeout)) > 0;
    },
  };
}

export type LoginSessions = ReturnType<typeof loginSessions>;

/**
 * The value of one cookie from the Cookie header (no cookie-parser needed for one name). A value
 * that is not valid percent-encoding (`%`, `%zz`) names nothing: undefined, never a thrown
 * URIError (that was a cheap 500).
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
