// The edge-cache lesson's events (lesson 11, "Stateless responses can be cached at the edge"):
// what its view on the page draws and its checks read. Types, constants and pure functions only:
// the page imports it.
import { FAMILY_PATH } from '../lab-types';
import type { BenchFinished } from './08-state-has-a-price.contract';

/** The slug the lesson's events and endpoints carry. */
export const CACHE_LESSON = 'edge-cache';

/** The catalogue's route template: the label of its requests in every replica's http_requests_total. */
export const CATALOGUE_ROUTE = '/api/v1/stateless/products';

/** The bench ratio (bench/summary.ts) the lesson's last step asks for. */
export const CACHE_RATIO = 'products cached / uncached';

/** The fewest requests a burst needs for the checks: enough that hits cannot be a coincidence. */
export const MIN_BURST = 10;

/** cached: the route nginx caches; uncached: the same with `nocache=1`, which nginx passes by (BYPASS). */
export type BurstMode = 'cached' | 'uncached';

/** The same paths as the Request stream's catalogue families, so both fill and read one cache entry. */
export const BURST_PATH: Record<BurstMode, string> = { cached: FAMILY_PATH.products, uncached: FAMILY_PATH['products-nocache'] };

/** POST /lab/api/lessons/edge-cache/burst */
export interface CacheBurstRequest {
  mode: BurstMode;
  /** Requests to send, one after another. 1..100. */
  count: number;
}

/** One replica's own request counter for the catalogue route, read from its /metrics before and after. */
export interface ReplicaCounter {
  replica: string;
  /** null: its /metrics did not answer. */
  before: number | null;
  after: number | null;
  /** null when either reading is missing, or the counter went down (the replica restarted meanwhile). */
  delta: number | null;
}

/** kind 'burst': one client asked for the catalogue `sent` times in a row. */
export interface CacheBurst {
  id: string;
  at: number;
  mode: BurstMode;
  path: string;
  client: string;
  address: string;
  sent: number;
  /** Every answer in order (the page draws one square each); `retried`: nginx tried a second replica. */
  answers: { status: number; replica: string | null; retried: boolean; cacheStatus: string | null }[];
  /** X-Cache-Status HIT: nginx answered from its cache, no replica worked. */
  hits: number;
  /** BYPASS: nginx was told not to use the cache (nocache=1) and asked a replica. */
  bypassed: number;
  /** Any other cache status (MISS, EXPIRED, …): nginx asked a replica and kept the answer. */
  misses: number;
  /** Answers other than 200. */
  failed: number;
  /** Milliseconds from the first request to the last answer. */
  durationMs: number;
  /** max-age of the first answer's Cache-Control: how long a cached answer is served. */
  maxAgeSeconds: number | null;
  counters: ReplicaCounter[];
  /** Sum of the replicas' deltas; null when any replica's is unknown. */
  counted: number | null;
}

/** The ratio of the latest finished benchmark that measured it (lesson 8's events). */
export interface BenchRatioSeen {
  runId: string;
  at: number;
  median: number | null;
  min: number | null;
  max: number | null;
  runs: number;
}

/** The cached/uncached ratio of one finished benchmark (kind 'finished' of lesson 8), if it measured it. */
export function benchRatioOf(finished: BenchFinished, at: number): BenchRatioSeen | null {
  const ratio = finished.ok ? finished.ratios.find((r) => r.name === CACHE_RATIO) : undefined;
  if (!ratio) return null;
  return { runId: finished.runId, at, median: ratio.summary.median, min: ratio.summary.min, max: ratio.summary.max, runs: ratio.perRun.length };
}

/** The lesson's view for a page that connects late: the latest bursts (oldest first) and the bench ratio. */
export interface CacheSnapshot {
  bursts: CacheBurst[];
  bench: BenchRatioSeen | null;
}
