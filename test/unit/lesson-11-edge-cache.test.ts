import type { Exchange } from '../../cluster/simulated-client';
import type { RatioResult } from '../../bench/results-schema';
import { checkLab } from '../../lab/lab-checks';
import { LabHistory } from '../../lab/lab-history';
import type { LessonEvent } from '../../lab/lab-types';
import { BENCH_LESSON, type BenchFinished } from '../../lab/lessons/08-state-has-a-price.contract';
import { countersBetween, requestsOf, summarize } from '../../lab/lessons/11-edge-cache';
import { CACHE_LESSON, CACHE_RATIO, type BurstMode } from '../../lab/lessons/11-edge-cache.contract';

function answer(cacheStatus: string, replica = 'app-1', status = 200): Exchange {
  return {
    client: 'edge-cache-1', at: Date.now(), method: 'GET', path: '/api/v1/stateless/products?limit=5', status, replica, upstream: null, retried: false, latencyMs: 1,
    requestId: null, errorCode: null, headers: { 'x-cache-status': cacheStatus, 'cache-control': 'public, max-age=5' }, text: '', json: {}, cookie: undefined,
  };
}

const counts = (entries: [string, number | null][]) => new Map(entries);

function burst(history: LabHistory, mode: BurstMode, replies: Exchange[], deltas: (number | null)[], durationMs = 300): void {
  const before = counts(deltas.map((_, i) => [`app-${i + 1}`, 100]));
  const after = counts(deltas.map((d, i) => [`app-${i + 1}`, d === null ? null : 100 + d]));
  const data = summarize({ id: `b${history.lessonEvents.length}`, at: Date.now(), mode, client: 'edge-cache-1', address: '127.1.1.1', durationMs }, replies, countersBetween(before, after));
  const event: LessonEvent = { type: 'lesson', lesson: CACHE_LESSON, kind: 'burst', at: data.at, data };
  history.recordLessonEvent(event);
}

const cached = (misses: number, hits: number) => [...Array.from({ length: misses }, () => answer('MISS')), ...Array.from({ length: hits }, () => answer('HIT'))];
const step = (history: LabHistory, id: string) => checkLab(11, { history, components: [] })!.steps.find((s) => s.step === id)!;

function ratio(median: number): RatioResult {
  return {
    name: CACHE_RATIO, numerator: 'stateless-products-cached', denominator: 'stateless-products', question: '?', target: null,
    perRun: [median - 1, median, median + 2], summary: { median, min: median - 1, max: median + 2, mean: median },
  };
}

/** A finished benchmark as lesson 8 publishes it (the check reads only these fields of it). */
function finished(history: LabHistory, data: Partial<Pick<BenchFinished, 'ok' | 'error' | 'ratios'>>): void {
  const event: LessonEvent = {
    type: 'lesson', lesson: BENCH_LESSON, kind: 'finished', at: Date.now(),
    data: { runId: '2026-12-04T10-00-00', scenarios: ['stateless-products-cached', 'stateless-products'], ok: true, error: null, ratios: [], summary: null, ...data },
  };
  history.recordLessonEvent(event);
}

describe('lesson 11: stateless responses can be cached at the edge', () => {
  test('when a replica\'s /metrics is read, then the catalogue route\'s requests are summed over method, status and kind, and no other route counts', () => {
    const text = [
      '# HELP http_requests_total HTTP requests served, by route template',
      'http_requests_total{method="GET",route="/api/v1/stateless/products",status="200",kind="stateless",replica="app-1"} 7',
      'http_requests_total{method="GET",route="/api/v1/stateless/products",status="503",kind="stateless",replica="app-1"} 2',
      'http_requests_total{method="GET",route="/api/v1/stateless/info",status="200",kind="stateless",replica="app-1"} 40',
      'http_request_duration_seconds_count{method="GET",route="/api/v1/stateless/products",status="200",kind="stateless",replica="app-1"} 7',
    ].join('\n');
    expect(requestsOf(text, '/api/v1/stateless/products')).toBe(9);
    expect(requestsOf('', '/api/v1/stateless/products')).toBe(0);
  });

  test('when a counter went down or was not read, then its delta is unknown rather than wrong', () => {
    const rows = countersBetween(counts([['app-1', 5], ['app-2', 9], ['app-3', null]]), counts([['app-1', 6], ['app-2', 1], ['app-3', 4]]));
    expect(rows.map((r) => r.delta)).toEqual([1, null, null]);
  });

  test('when a burst is summed up, then hits, misses and bypasses are nginx\'s X-Cache-Status, and max-age the Cache-Control', () => {
    const b = summarize({ id: 'x', at: 1, mode: 'cached', client: 'c', address: 'a', durationMs: 200 }, [answer('MISS'), answer('HIT'), answer('EXPIRED'), answer('BYPASS')], []);
    expect(b).toMatchObject({ sent: 4, hits: 1, misses: 2, bypassed: 1, failed: 0, maxAgeSeconds: 5, counted: 0 });
  });

  test('when nothing was sent, then every step fails and says what to press or run', () => {
    const report = checkLab(11, { history: new LabHistory(), components: [] })!;
    expect(report.passed).toBe(false);
    expect(report.steps.map((s) => s.parts[0]!.detail)).toEqual([
      expect.stringContaining('no cached burst since the last reset'),
      expect.stringContaining('no uncached burst since the last reset'),
      expect.stringContaining('no finished benchmark'),
    ]);
  });

  test('when 20 cached requests gave 1 MISS and 19 HIT and the replicas counted 1, then the cached step passes', () => {
    const history = new LabHistory();
    burst(history, 'cached', cached(1, 19), [1, 0, 0]);
    const s = step(history, 'cached');
    expect(s.passed).toBe(true);
    expect(s.parts.map((p) => p.detail)).toEqual([expect.stringContaining('max-age 5 s'), '19 HIT, 1 MISS', expect.stringContaining('the replicas counted 1 (app-1 +1, app-2 +0, app-3 +0) for 1 requests')]);
  });

  test('when the replicas counted more than the misses, then the cached step fails and names other catalogue traffic', () => {
    const history = new LabHistory();
    burst(history, 'cached', cached(1, 19), [4, 3, 3]);
    expect(step(history, 'cached').parts.find((p) => p.name === 'the replicas counted at most the misses')).toMatchObject({ passed: false, detail: expect.stringContaining('other catalogue traffic') });
  });

  test('when a cached burst took longer than the max-age, or had no hits, then the cached step fails on that part', () => {
    const history = new LabHistory();
    burst(history, 'cached', cached(1, 19), [1, 0, 0], 6_000);
    expect(step(history, 'cached').parts.find((p) => p.name === 'in one cache period')?.passed).toBe(false);
    burst(history, 'cached', cached(20, 0), [7, 7, 6]);
    expect(step(history, 'cached').parts.find((p) => p.name === 'nginx answered hits')?.passed).toBe(false);
  });

  test('when a burst was too small, failed, or a replica\'s counter was not read, then it is not judged and the step says why', () => {
    const history = new LabHistory();
    burst(history, 'cached', cached(1, 4), [1, 0, 0]);
    expect(step(history, 'cached').parts[0]!.detail).toContain('sent 5 requests; send at least 10');
    burst(history, 'cached', [...cached(1, 18), answer('MISS', 'app-1', 503)], [2, 0, 0]);
    expect(step(history, 'cached').parts[0]!.detail).toContain('is PostgreSQL up');
    burst(history, 'cached', cached(1, 19), [1, null, 0]);
    expect(step(history, 'cached').parts[0]!.detail).toContain('app-2');
  });

  test('when 20 uncached requests all bypassed and the replicas counted 20, then the uncached step passes; counted 19, it fails', () => {
    const history = new LabHistory();
    const bypass = Array.from({ length: 20 }, (_, i) => answer('BYPASS', `app-${(i % 3) + 1}`));
    burst(history, 'uncached', bypass, [7, 7, 6]);
    expect(step(history, 'uncached').passed).toBe(true);
    burst(history, 'uncached', bypass, [7, 6, 6]);
    expect(step(history, 'uncached').parts.find((p) => p.name === 'every request reached a replica')?.passed).toBe(false);
  });

  test('when a finished benchmark measured the catalogue ratio, then the bench step passes with its figure; a failed run or one without it does not count', () => {
    const history = new LabHistory();
    finished(history, { ok: true, ratios: [] });
    finished(history, { ok: false, error: 'cluster down', ratios: [ratio(20)] });
    expect(step(history, 'ratio').passed).toBe(false);
    finished(history, { ratios: [ratio(19.1)] });
    expect(step(history, 'ratio')).toMatchObject({ passed: true, parts: [expect.objectContaining({ detail: expect.stringContaining('products cached / uncached = 19.1 (18.1–21.1 over 3 runs)') })] });
  });
});
