import { Redis, type RedisOptions } from 'ioredis';

/**
 * Where Redis is: one address (its password in the URL), or the Sentinels that know the current
 * primary, with the primary's password and the Sentinels' own.
 */
export type RedisTarget = string | { sentinels: { host: string; port: number }[]; name: string; password?: string; sentinelPassword?: string };

/** The target a replica's configuration names: Sentinels when REDIS_SENTINELS is set. */
export function redisTargetOf(config: {
  redisUrl: string;
  redisSentinels?: { host: string; port: number }[];
  redisSentinelName: string;
  redisPassword?: string;
  redisSentinelPassword?: string;
}): RedisTarget {
  return config.redisSentinels
    ? { sentinels: config.redisSentinels, name: config.redisSentinelName, password: config.redisPassword, sentinelPassword: config.redisSentinelPassword }
    : config.redisUrl;
}

/**
 * An ioredis client that fails fast instead of queueing. With the offline queue disabled, a
 * request touching Redis while Redis is down fails at once; every command a request sends goes
 * through guardRedis (infra/dependency-guard.ts), which bounds it to ~timeoutMs and makes it a
 * 503 REDIS_UNAVAILABLE, never a hang. The client keeps reconnecting in the background, so the
 * service recovers by itself when Redis returns.
 */
/** How many request timeouts a command may wait before ioredis gives up on it. */
const STUCK_COMMAND_FACTOR = 10;

export function createRedis(target: RedisTarget, timeoutMs: number): Redis {
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Auto-pipelining (one write for the commands of a whole loop turn) is off on purpose. In a
    // profile it cut a session read's replica CPU by 42 µs and Redis's by ~20 µs, but over a full
    // bench run only Redis's saving remained and the throughput ratio did not move
    // (docs/benchmarking.md). It would add deferred writes and one pipeline in flight at a time
    // to every failover lesson, for nothing a student can measure.
    connectTimeout: timeoutMs,
    // Not the request's bound (that is the guard's, which lets an answer that arrived during an
    // event-loop stall count). This one only sweeps commands a dead link will never answer out
    // of ioredis's queue, so it is long enough never to beat the guard: ioredis's own timer runs
    // before the loop reads the socket, and after a 4 s SIGSTOP it failed requests whose answers
    // were waiting (measured by the sigstop-replica chaos scenario).
    commandTimeout: timeoutMs * STUCK_COMMAND_FACTOR,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
  // Teaching note: with Sentinels the client never holds the primary's address. It asks a
  // Sentinel for it on every (re)connect, so when the primary dies the next reconnect lands on
  // whichever replica the Sentinels promoted. The failover detector also listens for the
  // Sentinels' +switch-master and reconnects at once, rather than waiting for the old primary's
  // connection to fail — which matters when the old primary is cut off rather than dead. The
  // retry delay stays short so a student sees the new primary taken within about a second.
  const redis =
    typeof target === 'string'
      ? new Redis(target, options)
      : new Redis({
          ...options,
          sentinels: target.sentinels,
          name: target.name,
          password: target.password,
          sentinelPassword: target.sentinelPassword,
          failoverDetector: true,
          sentinelCommandTimeout: timeoutMs,
          sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 1000),
          retryStrategy: (attempt) => Math.min(attempt * 100, 500),
        });
  if (typeof target !== 'string') {
    // ioredis gives up for good ('end': every later command fails with "Connection is closed")
    // when a +switch-master arrives while it is still asking the Sentinels where the primary is:
    // the detector's disconnect aborts that connect, and a failed connect ends the client.
    // Measured here: one replica of two stayed down after a failover until it was restarted.
    // Start it again unless closeRedis() ended it on purpose.
    redis.on('end', () => {
      if (!closedOnPurpose.has(redis)) setTimeout(() => redis.connect().catch(() => undefined), 100).unref();
    });
  }
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

const closedOnPurpose = new WeakSet<Redis>();

/** Closes the client for good (shutdown): the Sentinel client's self-restart stands down. */
export async function closeRedis(redis: Redis): Promise<void> {
  closedOnPurpose.add(redis);
  await redis.quit();
  // quit() leaves the failover detector's Sentinel subscriptions open (ioredis issue #1362);
  // disconnect() closes them, so a stopping replica's event loop can drain.
  redis.disconnect();
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
