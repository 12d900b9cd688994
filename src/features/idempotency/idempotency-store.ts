import type { Redis } from 'ioredis';

/** What a replay needs to answer exactly as the first request was answered. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

/**
 * One Idempotency-Key's record in Redis, as JSON. `owner` is a random token of the request that
 * claimed the key, so a replica only ever completes or releases its own claim — never one that
 * another replica took over after the lease ran out.
 */
export type IdempotencyRecord =
  | { state: 'running'; fingerprint: string; owner: string }
  | { state: 'done'; fingerprint: string; owner: string; response: StoredResponse };

// Claim = SET NX with the lease as TTL; when the key is taken, the same script returns the record
// that holds it. One round trip, and no gap between "SET failed" and "GET" for the record to
// expire in.
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])`;

// Complete: store the outcome for the whole TTL, unless another request took the key over after
// our lease expired (then its own completion will store the same outcome).
const COMPLETE = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

// Release: forget a claim we still hold, so a retry can run the request again.
const RELEASE = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).owner == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface IdempotencyStore {
  /** Claims `key` for `leaseMs`; resolves undefined when claimed, else with the record that holds it. */
  claim(key: string, fingerprint: string, owner: string, leaseMs: number): Promise<IdempotencyRecord | undefined>;
  /** Stores the outcome of the request that claimed `key`, for `ttlSeconds`. */
  complete(key: string, fingerprint: string, owner: string, response: StoredResponse, ttlSeconds: number): Promise<void>;
  /** Gives `key` back (a 5xx outcome) so the same request may be tried again. */
  release(key: string, owner: string): Promise<void>;
}

export function redisIdempotencyStore(redis: Redis): IdempotencyStore {
  return {
    async claim(key, fingerprint, owner, leaseMs) {
      const running: IdempotencyRecord = { state: 'running', fingerprint, owner };
      const held = (await redis.eval(CLAIM, 1, key, JSON.stringify(running), leaseMs)) as string | null;
      return held === null ? undefined : (JSON.parse(held) as IdempotencyRecord);
    },
    async complete(key, fingerprint, owner, response, ttlSeconds) {
      const done: IdempotencyRecord = { state: 'done', fingerprint, owner, response };
      await redis.eval(COMPLETE, 1, key, owner, JSON.stringify(done), ttlSeconds);
    },
    async release(key, owner) {
      await redis.eval(RELEASE, 1, key, owner);
    },
  };
}
