import type { ClientRateLimitInfo } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { redisUnavailable, withTimeout } from '../../infra/dependency-guard';

/**
 * rate-limit-redis 6.0.1 through ioredis 6: the store only needs a `sendCommand`, and ioredis's
 * `call` sends any command verbatim (the pairing its README documents for ioredis). Unlike
 * connect-redis 9+, nothing here depends on the client's option-object syntax.
 *
 * Two additions: every command is bounded by the dependency timeout (a dead Redis costs a
 * request at most that long), and a failed SCRIPT LOAD — Redis down when the replica started —
 * is retried on the next request instead of being remembered as a rejected promise forever.
 * Redis's NOSCRIPT reply passes through untranslated: after a Redis restart the script cache is
 * empty, and the store reloads the script and retries only when it sees that reply. Translated to
 * REDIS_UNAVAILABLE, it made the first limited request on every replica after a Redis restart
 * a 503 (the chaos runner's redis-kill scenario, followed by a login).
 */
class RecoveringRedisStore extends RedisStore {
  override async increment(key: string): Promise<ClientRateLimitInfo> {
    try {
      return await super.increment(key);
    } catch (err) {
      this.incrementScriptSha = this.loadIncrementScript();
      this.incrementScriptSha.catch(() => undefined);
      throw err;
    }
  }
}

export function redisRateLimitStore(redis: Redis, prefix: string, timeoutMs: number): RedisStore {
  return new RecoveringRedisStore({
    prefix,
    sendCommand: async (command: string, ...args: string[]) => {
      try {
        return await withTimeout(redis.call(command, ...args) as Promise<RedisReply>, timeoutMs);
      } catch (err) {
        if (err instanceof Error && /^NOSCRIPT(\s|$)/.test(err.message)) throw err;
        throw redisUnavailable(err);
      }
    },
  });
}
