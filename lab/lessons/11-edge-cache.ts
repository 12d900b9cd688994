// Lesson 11: nginx keeps the catalogue for its max-age and answers repeats itself; the replicas'
// own request counters do not move on a hit, and the bench measures what that buys.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Exchange } from '../../cluster/simulated-client';
import { AppError } from '../../src/errors/app-error';
import type { LabHistory } from '../lab-history';
import type { CheckPart } from '../lab-types';
import { part } from './check-kit';
import type { Lesson, LessonContext, LessonRuntime } from './lesson';
import { BENCH_LESSON, type BenchFinished } from './08-state-has-a-price.contract';
import {
  benchRatioOf,
  BURST_PATH,
  CACHE_LESSON,
  CACHE_RATIO,
  CATALOGUE_ROUTE,
  MIN_BURST,
  type BenchRatioSeen,
  type BurstMode,
  type CacheBurst,
  type CacheSnapshot,
  type ReplicaCounter,
} from './11-edge-cache.contract';

const burstBody = z.strictObject({ mode: z.enum(['cached', 'uncached']), count: z.number().int().min(1).max(100) });

/** Bursts the view keeps for a page that connects late (the checks read the history). */
const KEPT_BURSTS = 20;
const SCRAPE_TIMEOUT_MS = 3_000;

/**
 * `route`'s requests in one replica's Prometheus text (http_requests_total, summed over method,
 * status and kind). A replica that never served the route has no such line: 0.
 */
export function requestsOf(metricsText: string, route: string): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('http_requests_total{')) continue;
    if (/[{,]route="([^"]*)"/.exec(line)?.[1] !== route) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/**
 * Teaching note: each replica's own /metrics, asked directly (not through nginx, not through
 * Prometheus, which scrapes only every few seconds): the counter a replica keeps of the requests
 * it served itself. A cache hit never reaches it.
 */
async function readCounters(replicas: readonly { id: string; host: string; port: number }[]): Promise<Map<string, number | null>> {
  const read = async ({ host, port }: { host: string; port: number }): Promise<number | null> => {
    try {
      const res = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
      return res.ok ? requestsOf(await res.text(), CATALOGUE_ROUTE) : null;
    } catch {
      return null;
    }
  };
  const values = await Promise.all(replicas.map(read));
  return new Map(replicas.map((r, i) => [r.id, values[i]!]));
}

export function countersBetween(before: Map<string, number | null>, after: Map<string, number | null>): ReplicaCounter[] {
  return [...before.keys()].map((replica) => {
    const b = before.get(replica) ?? null;
    const a = after.get(replica) ?? null;
    return { replica, before: b, after: a, delta: a !== null && b !== null && a >= b ? a - b : null };
  });
}

function maxAge(e: Exchange | undefined): number | null {
  const value = e?.headers['cache-control'];
  const match = typeof value === 'string' ? /max-age=(\d+)/.exec(value) : null;
  return match ? Number(match[1]) : null;
}

/** One burst's answers and counters, summed up as the view and the checks need them. */
export function summarize(
  base: Pick<CacheBurst, 'id' | 'at' | 'mode' | 'client' | 'address' | 'durationMs'>,
  replies: Exchange[],
  counters: ReplicaCounter[],
): CacheBurst {
  const status = (e: Exchange) => (typeof e.headers['x-cache-status'] === 'string' ? e.headers['x-cache-status'] : null);
  const hits = replies.filter((e) => status(e) === 'HIT').length;
  const bypassed = replies.filter((e) => status(e) === 'BYPASS').length;
  const misses = replies.filter((e) => status(e) !== null && status(e) !== 'HIT' && status(e) !== 'BYPASS').length;
  return {
    ...base,
    path: BURST_PATH[base.mode],
    sent: replies.length,
    answers: replies.map((e) => ({ status: e.status, replica: e.replica, retried: e.retried, cacheStatus: status(e) })),
    hits,
    bypassed,
    misses,
    failed: replies.filter((e) => e.status !== 200).length,
    maxAgeSeconds: maxAge(replies[0]),
    counters,
    counted: counters.every((c) => c.delta !== null) ? counters.reduce((sum, c) => sum + c.delta!, 0) : null,
  };
}

/** The cached/uncached ratio of the newest finished benchmark that measured it. */
export function latestBenchRatio(history: LabHistory): BenchRatioSeen | null {
  for (const event of [...history.lessonEventsOf<BenchFinished>(BENCH_LESSON, 'finished')].reverse()) {
    const seen = benchRatioOf(event.data, event.at);
    if (seen) return seen;
  }
  return null;
}

/**
 * The view's one action: a new client asks for the catalogue `count` times in a row, with every
 * replica's own request counter read just before and just after. Other traffic to the catalogue
 * meanwhile (a Request stream run) would be counted too: the view says so.
 */
function startCache(ctx: LessonContext): LessonRuntime {
  let bursts: CacheBurst[] = [];
  let running = false;
  const replicas = ctx.cluster.topology.replicas;

  async function burst(mode: BurstMode, count: number): Promise<CacheBurst> {
    if (running) throw new AppError('LAB_BUSY', 'A catalogue burst is still running; wait for it to finish');
    running = true;
    const client = ctx.freshClient();
    const id = randomUUID();
    try {
      const before = await readCounters(replicas);
      const at = Date.now();
      const replies: Exchange[] = [];
      for (let i = 0; i < count; i++) {
        const reply = await client.get(BURST_PATH[mode]);
        ctx.record(reply, mode === 'cached' ? 'products' : 'products-nocache', id);
        replies.push(reply);
      }
      const durationMs = Date.now() - at;
      const after = await readCounters(replicas);
      const result = summarize({ id, at, mode, client: client.id, address: client.address ?? '', durationMs }, replies, countersBetween(before, after));
      bursts = [...bursts, result].slice(-KEPT_BURSTS);
      ctx.publish('burst', result);
      return result;
    } finally {
      client.close();
      running = false;
    }
  }

  const router = Router();
  router.post('/burst', async (req, res) => {
    const { mode, count } = burstBody.parse(req.body ?? {});
    res.json(await burst(mode, count));
  });
  return {
    router,
    snapshot: (): CacheSnapshot => ({ bursts, bench: latestBenchRatio(ctx.history) }),
    reset: () => {
      bursts = [];
    },
  };
}

/** The newest burst of a mode with enough requests, all answered 200, every counter read. */
function fairBurst(history: LabHistory, mode: BurstMode): { burst: CacheBurst } | { missing: CheckPart } {
  const mine = history.lessonEventsOf<CacheBurst>(CACHE_LESSON, 'burst').map((e) => e.data).filter((b) => b.mode === mode);
  const fair = mine.filter((b) => b.sent >= MIN_BURST && b.failed === 0 && b.counted !== null);
  if (fair.length) return { burst: fair.at(-1)! };
  const last = mine.at(-1);
  let detail: string;
  if (!last) detail = `no ${mode} burst since the last reset — press its button in Edge cache`;
  else if (last.sent < MIN_BURST) detail = `the last ${mode} burst sent ${last.sent} requests; send at least ${MIN_BURST}`;
  else if (last.failed) detail = `${last.failed} of the last burst's answers were not 200 (is PostgreSQL up?) — send it again`;
  else detail = `a replica's /metrics did not answer (or it restarted) during the last burst: ${last.counters.filter((c) => c.delta === null).map((c) => c.replica).join(', ')} — send it again with every replica up`;
  return { missing: part(`a ${mode} burst of at least ${MIN_BURST} requests`, false, detail) };
}

const counterText = (b: CacheBurst) => b.counters.map((c) => `${c.replica} +${c.delta}`).join(', ');

export const lesson11: Lesson = {
  worksheet: {
    id: 11,
    slug: CACHE_LESSON,
    title: 'Stateless responses can be cached at the edge',
    panel: 'cache',
    views: ['cache', 'bench', 'stream'],
    summary:
      'The catalogue is the same answer for everyone, so the replica allows a shared cache to keep it for 5 s and nginx answers repeats itself: a hit costs no replica anything, and the bench puts a number on it.',
    doc: 'docs/labs.md#11-stateless-responses-can-be-cached-at-the-edge',
    steps: [
      {
        id: 'cached',
        title: 'A burst of the cached catalogue',
        text: `In **Edge cache**, keep 20 requests and press **Send cached**: one new client asks for \`${BURST_PATH.cached}\` 20 times in a row, and the lab reads every replica's own \`http_requests_total\` for the route before and after.\n\n**Predict, then watch for:** how many of the 20 will a replica actually serve? Watch the HIT/MISS on each square and the Δ column of the counters.`,
        check: 'cache-hits',
        hints: [
          'The cache keeps an answer for its max-age (5 s): a burst that takes less than that is served from one filled entry.',
          'A HIT still carries an X-Instance-Id: the replica that filled the cache, not one that worked for this request.',
          `The check needs a burst of at least ${MIN_BURST} requests, all answered 200, with every replica's counter read.`,
        ],
        solution: 'Edge cache → **Send cached**: 1 MISS then 19 HIT (or 20 HIT when the entry was already filled); the replicas\' counters rise by the misses only.',
      },
      {
        id: 'uncached',
        title: 'The same burst past the cache',
        text: `Press **Send uncached**: the same requests with \`nocache=1\` (\`${BURST_PATH.uncached}\`), which nginx passes straight to a replica.\n\n**Predict, then watch for:** BYPASS on every square — and the counters?`,
        check: 'cache-bypass',
        hints: ['`proxy_cache_bypass $arg_nocache` in nginx/nginx.conf.template: any non-empty `nocache` skips the cache.'],
        solution: 'Edge cache → **Send uncached**: 20 BYPASS, and the replicas\' counters rise by exactly 20 together, spread by least_conn.',
      },
      {
        id: 'ratio',
        title: 'What the cache buys, measured',
        text: 'In **Bench**, run the two catalogue scenarios — *products cached* (`stateless-products-cached`) against *products uncached* (`stateless-products`) — for a short run.\n\n**Predict, then watch for:** how many times more requests per second does the cached route answer?',
        check: 'cache-bench-ratio',
        hints: ['Pick only the two catalogue scenarios: the run is short, and the lab\'s own traffic waits meanwhile.', 'The ratio is computed run by run, in the same benchmark: compare it, not the absolute requests/s.'],
        solution: 'Bench → scenarios `stateless-products-cached` and `stateless-products`, 5 s, 3 runs → **Run**: the ratio *products cached / uncached* is well above 1 (about 20× on a quiet 2-core machine).',
      },
    ],
  },
  checks: {
    'cache-hits': ({ history }) => {
      const found = fairBurst(history, 'cached');
      if ('missing' in found) return [found.missing];
      const { burst } = found;
      const period = burst.maxAgeSeconds;
      const inPeriod = period !== null && burst.durationMs <= period * 1000;
      const reached = burst.sent - burst.hits;
      return [
        part('in one cache period', inPeriod, `${burst.sent} requests in ${(burst.durationMs / 1000).toFixed(2)} s; max-age ${period ?? 'missing'} s${inPeriod ? '' : ' — send fewer, or while the machine is less busy'}`),
        part('nginx answered hits', burst.hits > 0, `${burst.hits} HIT, ${burst.misses} MISS${burst.bypassed ? `, ${burst.bypassed} BYPASS` : ''}`),
        part(
          'the replicas counted at most the misses',
          burst.counted! <= reached,
          `the replicas counted ${burst.counted} (${counterText(burst)}) for ${reached} requests nginx passed on${burst.counted! <= reached ? '' : ' — other catalogue traffic ran meanwhile (a Request stream run?): stop it and send again'}`,
        ),
      ];
    },
    'cache-bypass': ({ history }) => {
      const found = fairBurst(history, 'uncached');
      if ('missing' in found) return [found.missing];
      const { burst } = found;
      return [
        part('every request bypassed the cache', burst.bypassed === burst.sent, `${burst.bypassed} of ${burst.sent} BYPASS`),
        part(
          'every request reached a replica',
          burst.counted === burst.sent,
          `the replicas counted ${burst.counted} (${counterText(burst)}) for ${burst.sent} requests${burst.counted === burst.sent ? '' : ' — other catalogue traffic ran meanwhile? Stop it and send again'}`,
        ),
      ];
    },
    'cache-bench-ratio': ({ history }) => {
      const seen = latestBenchRatio(history);
      return [
        part(
          `a benchmark measured ${CACHE_RATIO}`,
          seen !== null,
          seen
            ? `run ${seen.runId}: ${CACHE_RATIO} = ${seen.median?.toFixed(1)} (${seen.min?.toFixed(1)}–${seen.max?.toFixed(1)} over ${seen.runs} runs)`
            : 'no finished benchmark with both catalogue scenarios since the last reset — run stateless-products-cached and stateless-products in Bench',
        ),
      ];
    },
  },
  start: startCache,
};
