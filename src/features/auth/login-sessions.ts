import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/config';
import { guardRedis } from '../../infra/dependency-guard';

export interface LoginSession {
  sessionId: string;
  userId: number;
  email: string;
  name: string;
  createdAt: string;
  createdBy: string;
}

export const LOGIN_COOKIE = 'statelab.login';

/**
 * Server-side login sessions: the cookie holds 256 random bits and nothing else; everything the
 * server knows about the login is one Redis key. Teaching note: that key is the whole session,
 * so deleting it logs the user out on every replica at the same instant.
 */
export function loginSessions(config: Config, redis: Redis) {
  const prefix = `${config.redisKeyPrefix}login:`;
  const denyPrefix = `${config.redisKeyPrefix}jwt-deny:`;
  const timeout = config.dependencyTimeoutMs;
  const parse = (json: string | null): LoginSession | null => (json === null ? null : (JSON.parse(json) as LoginSession));

  return {
    prefix,
    async create(user: { id: number; email: string; name: string }, instance: string): Promise<LoginSession> {
      const session: LoginSession = {
        sessionId: randomBytes(32).toString('base64url'),
        userId: user.id,
        email: user.email,
        name: user.name,
        createdAt: new Date().toISOString(),
        createdBy: instance,
      };
      await guardRedis(() => redis.set(prefix + session.sessionId, JSON.stringify(session), 'EX', config.sessionTtlSeconds), timeout);
      return session;
    },

    async get(sessionId: string): Promise<LoginSession | null> {
      return parse(await guardRedis(() => redis.get(prefix + sessionId), timeout));
    },

    /** True when the session existed. */
    async remove(sessionId: string): Promise<boolean> {
      return (await guardRedis(() => redis.del(prefix + sessionId), timeout)) > 0;
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
          const session = parse(replies[2 * i]?.[1] as string | null);
          if (session) items.push({ ...session, ttlSeconds: Number(replies[2 * i + 1]?.[1]) });
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

/** The value of one cookie from the Cookie header (no cookie-parser needed for one name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}
