import { Router, type Request, type RequestHandler } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import type { AppDeps } from '../../app-deps';
import { kind } from '../../http/request-context';
import { limiterLogger, rateLimitedHandler } from './rate-limit-responses';
import { redisRateLimitStore } from './redis-rate-limit-store';

/**
 * /api/v1/limits: the same limit (RATE_LIMIT_LESSON_MAX per window, per client address) counted
 * two ways.
 *
 * Teaching note: `memory` counts in each replica's own memory. Behind least_conn a client's
 * requests are spread over N replicas, each of which lets the full limit through: up to N × the
 * limit. `redis` keeps one counter per client in Redis, shared by every replica: exactly the
 * limit, wherever the requests land. Through ip_hash (/sticky/…) a client always reaches the
 * same replica, so even the memory store counts right — until that replica restarts.
 */
export function limitsRouter({ config, redis, logger }: AppDeps): Router {
  const router = Router();
  router.use(kind('limits'));
  const common: Partial<Options> = {
    windowMs: config.rateLimitLessonWindowSeconds * 1000,
    limit: config.rateLimitLessonMax,
    // The IETF draft-8 fields: `RateLimit-Policy: "10-per-60"; q=10; w=60` and
    // `RateLimit: "10-per-60"; r=7; t=42`, plus Retry-After on a 429.
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    logger: limiterLogger(logger),
  };
  const memory = rateLimit({ ...common, identifier: `${config.rateLimitLessonMax}-per-${config.rateLimitLessonWindowSeconds}`, handler: rateLimitedHandler('memory') });
  const shared = rateLimit({
    ...common,
    identifier: `${config.rateLimitLessonMax}-per-${config.rateLimitLessonWindowSeconds}`,
    store: redisRateLimitStore(redis, `${config.redisKeyPrefix}rl:lesson:`, config.dependencyTimeoutMs),
    // Teaching note: fail OPEN. This limit protects capacity, not a secret: when Redis is down,
    // refusing every request would turn a Redis outage into an outage of this route too. The
    // request passes, unlimited, and says so (`degraded: true`). The admin API's limit on failed
    // key attempts protects against guessing and fails closed instead (see admin.routes.ts).
    passOnStoreError: true,
    handler: rateLimitedHandler('redis'),
  });

  const answer = (store: 'memory' | 'redis'): RequestHandler => (req, res) => {
    const info = (req as Request & { rateLimit?: { limit: number; remaining: number } }).rateLimit;
    res.json({
      store,
      allowed: true,
      limit: config.rateLimitLessonMax,
      remaining: info?.remaining ?? null,
      degraded: info === undefined,
      instance: config.instanceId,
    });
  };

  router.get('/memory', memory, answer('memory'));
  router.get('/redis', shared, answer('redis'));
  return router;
}
