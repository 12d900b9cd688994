import { Redis } from 'ioredis';

/**
 * An ioredis client that fails fast instead of queueing. With the offline queue disabled and a
 * command timeout, a request touching Redis while Redis is down costs at most ~timeoutMs and
 * becomes a 503 REDIS_UNAVAILABLE, never a hang. The client keeps reconnecting in the
 * background, so the service recovers by itself when Redis returns.
 */
export function createRedis(url: string, timeoutMs: number): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Connects without throwing: a replica starts (and serves stateless routes) while Redis is down. */
export async function connectRedis(redis: Redis): Promise<boolean> {
  try {
    await redis.connect();
    return true;
  } catch {
    return false;
  }
}
