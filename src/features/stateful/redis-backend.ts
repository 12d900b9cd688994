import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/config';
import { guardRedis, redisUnavailable } from '../../infra/dependency-guard';
import { sessionCookie } from './session-cookie';
import type { AtomicCounters, SessionBackend } from './session-backend';

/**
 * Teaching note: an increment under an Idempotency-Key marks the key in the same script, so
 * effect and record commit together: a re-run of the request (its first run died before its
 * response was stored) returns the first value instead of adding one again. The mark lives as
 * long as the stored response (IDEMPOTENCY_TTL_SECONDS).
 */
const KEYED_INCREMENT = `
local seen = redis.call('GET', KEYS[2])
if seen then return tonumber(seen) end
local value = redis.call('HINCRBY', KEYS[1], 'value', 1)
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], value, 'EX', ARGV[2])
return value`;

/**
 * Sessions in Redis: any replica can read a session any other replica wrote.
 *
 * connect-redis is pinned to 8.1.0: versions 9 and 10 pass `{EX: ttl}` objects to `set`, which
 * only node-redis understands; ioredis sends them as the literal string "[object Object]" and
 * every session write fails. 8.1.0 detects ioredis and sends `"EX", ttl`.
 */
export function createRedisBackend(config: Config, redis: Redis): SessionBackend {
  const timeout = config.dependencyTimeoutMs;
  const store = new RedisStore({
    client: guardedStoreClient(redis, timeout),
    prefix: `${config.redisKeyPrefix}sess:`,
    ttl: config.sessionTtlSeconds,
    // Teaching note: with touch enabled every read of a session also costs an EXPIRE round-trip.
    // We refresh the TTL on writes only, so a session lives SESSION_TTL_SECONDS after its last
    // write — a deliberate trade for read throughput.
    disableTouch: true,
  });
  const cookieName = 'statelab.sid';
  const middleware = session({ ...sessionCookie(config, cookieName), store });
  const counterKey = (sessionId: string) => `${config.redisKeyPrefix}counter:${sessionId}`;

  const counters: AtomicCounters = {
    // Teaching note: HINCRBY runs inside Redis, one command at a time, so concurrent increments
    // from any number of replicas can never overwrite each other.
    async increment(sessionId, idempotencyKey) {
      const key = counterKey(sessionId);
      if (idempotencyKey) {
        const value = await guardRedis(
          () => redis.eval(KEYED_INCREMENT, 2, key, `${key}:idem:${idempotencyKey}`, config.sessionTtlSeconds, config.idempotencyTtlSeconds),
          timeout,
        );
        return Number(value);
      }
      const replies = await guardRedis(
        () => redis.multi().hincrby(key, 'value', 1).expire(key, config.sessionTtlSeconds).exec(),
        timeout,
      );
      const [error, value] = replies?.[0] ?? [new Error('empty MULTI reply'), null];
      if (error) throw redisUnavailable(error);
      return Number(value);
    },
    async read(sessionId) {
      return Number((await guardRedis(() => redis.hget(counterKey(sessionId), 'value'), timeout)) ?? 0);
    },
    async remove(sessionId) {
      await guardRedis(() => redis.del(counterKey(sessionId)), timeout);
    },
  };

  return {
    store: 'redis',
    kind: 'stateful',
    cookieName,
    counters,
    storeError: redisUnavailable,
    // express-session reports store errors through next(err); make them a 503 the client
    // understands instead of a 500.
    session: (req, res, next) => {
      middleware(req, res, (err?: unknown) => next(err === undefined ? undefined : redisUnavailable(err)));
    },
  };
}

/**
 * The ioredis calls connect-redis 8.1.0 makes, each through guardRedis: a session load or save
 * gets the same bound as every other Redis command a request sends — including its fairness to
 * an answer that arrived while the event loop was stalled. connect-redis tells ioredis from
 * node-redis by the absence of `scanIterator`, so this object takes the ioredis path.
 */
export function guardedStoreClient(redis: Redis, timeoutMs: number) {
  return {
    get: (key: string) => guardRedis(() => redis.get(key), timeoutMs),
    set: (key: string, value: string, ...expiry: ['EX', number] | []) =>
      guardRedis(() => (expiry.length === 2 ? redis.set(key, value, expiry[0], expiry[1]) : redis.set(key, value)), timeoutMs),
    del: (keys: string[]) => guardRedis(() => redis.del(keys), timeoutMs),
    expire: (key: string, seconds: number) => guardRedis(() => redis.expire(key, seconds), timeoutMs),
    mget: (keys: string[]) => guardRedis(() => redis.mget(keys), timeoutMs),
    scan: (cursor: string, ...args: ['MATCH', string, 'COUNT', number]) => guardRedis(() => redis.scan(cursor, ...args), timeoutMs),
  };
}
