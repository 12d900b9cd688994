import type { Options } from 'express-rate-limit';
import type { Logger } from 'pino';
import { AppError } from '../../errors/app-error';

/** express-rate-limit's logger, pointed at the replica's pino logger. */
export function limiterLogger(logger: Logger): Options['logger'] {
  return {
    error: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter error'),
    warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter warning'),
  };
}

/** 429 in the API's JSON error shape; the RateLimit headers are already set by then. */
export function rateLimitedHandler(store: string): Options['handler'] {
  return (req, _res, next, options) => {
    next(new AppError('RATE_LIMITED', undefined, { limit: options.limit, windowSeconds: options.windowMs / 1000, store, key: req.ip }));
  };
}
