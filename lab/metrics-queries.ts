import type { MetricSeries, MetricsReply } from './lab-types';

/**
 * The live charts' numbers, from Prometheus's HTTP API — the same series the Grafana dashboards
 * draw (grafana/dashboards/), so the page and Grafana never disagree. Named queries only: the
 * page chooses a window, never a PromQL string.
 */
export const QUERIES = {
  rpsByReplica: 'sum by (replica) (rate(http_requests_total{job="statelab",kind!="ops"}[30s]))',
  p95ByKind: 'histogram_quantile(0.95, sum by (le, kind) (rate(http_request_duration_seconds_bucket{job="statelab",kind!="ops"}[30s])))',
  errorRatio:
    'sum(rate(http_requests_total{job="statelab",kind!="ops",status=~"5.."}[30s])) / clamp_min(sum(rate(http_requests_total{job="statelab",kind!="ops"}[30s])), 1e-9)',
} as const;

interface RangeResponse {
  status: string;
  error?: string;
  data?: { result: { metric: Record<string, string>; values: [number, string][] }[] };
}

async function queryRange(prometheusUrl: string, query: string, start: number, end: number, step: number, label: (m: Record<string, string>) => string): Promise<MetricSeries[]> {
  const url = new URL('/api/v1/query_range', prometheusUrl);
  url.search = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) }).toString();
  const res = await fetch(url, { signal: AbortSignal.timeout(4_000) });
  const body = (await res.json()) as RangeResponse;
  if (body.status !== 'success' || !body.data) throw new Error(body.error ?? `Prometheus answered ${res.status}`);
  return body.data.result
    .map((r) => ({
      label: label(r.metric),
      points: r.values
        .map(([t, v]) => [t, Number(v)] as [number, number])
        .filter(([, v]) => Number.isFinite(v)),
    }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

export async function labMetrics(prometheusUrl: string, windowSeconds: number): Promise<MetricsReply> {
  const end = Math.floor(Date.now() / 1000);
  const start = end - windowSeconds;
  // About 120 points per chart whatever the window, never finer than Prometheus's scrape (5 s).
  const step = Math.max(5, Math.round(windowSeconds / 120));
  const base = { windowSeconds, stepSeconds: step };
  try {
    const [rpsByReplica, p95ByKind, errorRatio] = await Promise.all([
      queryRange(prometheusUrl, QUERIES.rpsByReplica, start, end, step, (m) => m.replica ?? 'unknown'),
      queryRange(prometheusUrl, QUERIES.p95ByKind, start, end, step, (m) => m.kind ?? 'unknown'),
      queryRange(prometheusUrl, QUERIES.errorRatio, start, end, step, () => 'errors'),
    ]);
    return { ...base, available: true, error: null, rpsByReplica, p95ByKind, errorRatio };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ...base, available: false, error: `Prometheus did not answer (${why})`, rpsByReplica: [], p95ByKind: [], errorRatio: [] };
  }
}
