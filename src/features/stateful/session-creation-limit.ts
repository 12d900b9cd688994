import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppDeps } from '../../app-deps';
import { limiterLogger, rateLimitedHandler } from '../limits/rate-limit-responses';
import { redisRateLimitStore } from '../limits/redis-rate-limit-store';

/**
 * POST …/sessions needs no credential, and every one writes a Redis key for a day (or a slot of
 * a replica's memory) and an audit row. So creations are counted per client address, in Redis
 * for every replica and both stores together (one counter), and past SESSION_CREATE_MAX a minute
 * the address gets 429 RATE_LIMITED.
 *
 * Teaching note: what happens when the counter cannot be read depends on the store. The Redis
 * sessions fail CLOSED (503 at once): without Redis the session could not be written anyway,
 * and waiting for the limiter first would double the time a client waits for its 503. The
 * memory sessions fail OPEN: the /local lesson keeps working while Redis is down (lesson 7), and
 * this limit protects capacity, not a secret. The admin and login limits guard against guessing
 * and always fail closed.
 */
export function sessionCreationLimit({ config, redis, logger }: Pick<AppDeps, 'config' | 'redis' | 'logger'>, { failOpen }: { failOpen: boolean }): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: config.sessionCreateMax,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: redisRateLimitStore(redis, `${config.redisKeyPrefix}rl:session-create:`, config.dependencyTimeoutMs),
    passOnStoreError: failOpen,
    logger: limiterLogger(logger),
    handler: rateLimitedHandler('redis'),
  });
}
