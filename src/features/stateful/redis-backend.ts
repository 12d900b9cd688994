import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/config';
import { guardRedis, redisUnavailable } from '../../infra/dependency-guard';
import { sessionCookie } from './session-cookie';
import type { AtomicCounters, SessionBackend } from './session-backend';

/**
 * Sessions in Redis: any replica can read a session any other replica wrote.
 *
 * connect-redis is pinned to 8.1.0: versions 9 and 10 pass `{EX: ttl}` objects to `set`, which
 * only node-redis understands; ioredis sends them as the literal string "[object Object]" and
 * every session write fails. 8.1.0 detects ioredis and sends `"EX", ttl`.
 */
export function createRedisBackend(config: Config, redis: Redis): SessionBackend {
  const store = new RedisStore({
    client: redis,
    prefix: `${config.redisKeyPrefix}sess:`,
    ttl: config.sessionTtlSeconds,
    // Teaching note: with touch enabled every read of a session also costs an EXPIRE round-trip.
    // We refresh the TTL on writes only, so a session lives SESSION_TTL_SECONDS after its last
    // write — a deliberate trade for read throughput.
    disableTouch: true,
  });
  const cookieName = 'statelab.sid';
  const middleware = session({ ...sessionCookie(config, cookieName), store });
  const timeout = config.dependencyTimeoutMs;
  const counterKey = (sessionId: string) => `${config.redisKeyPrefix}counter:${sessionId}`;

  const counters: AtomicCounters = {
    // Teaching note: HINCRBY runs inside Redis, one command at a time, so concurrent increments
    // from any number of replicas can never overwrite each other.
    async increment(sessionId) {
      const key = counterKey(sessionId);
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
