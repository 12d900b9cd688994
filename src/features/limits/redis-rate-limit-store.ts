import type { ClientRateLimitInfo } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { guardRedis } from '../../infra/dependency-guard';

/**
 * rate-limit-redis 6.0.1 through ioredis 6: the store only needs a `sendCommand`, and ioredis's
 * `call` sends any command verbatim (the pairing its README documents for ioredis). Unlike
 * connect-redis 9+, nothing here depends on the client's option-object syntax.
 *
 * Two additions: every command is bounded by the dependency timeout (a dead Redis costs a
 * request at most that long), and a failed SCRIPT LOAD — Redis down when the replica started —
 * is retried on the next request instead of being remembered as a rejected promise forever.
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
    sendCommand: (command: string, ...args: string[]) => guardRedis(() => redis.call(command, ...args) as Promise<RedisReply>, timeoutMs),
  });
}
