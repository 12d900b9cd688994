// Grafana cannot run here, so this test does what Grafana would: after sending traffic of every
// kind through nginx, it runs every panel query, dashboard variable and alert expression of the
// repository against the running cluster's Prometheus, and fails on a query error or on an empty
// result where the cluster must have data.
import {
  allQueries,
  selectors,
  toPromQL,
  type PromQuery,
} from '../support/dashboard-queries';

const nginxUrl = process.env.STATELAB_E2E_NGINX_URL ?? `http://127.0.0.1:${process.env.NGINX_PORT ?? '8080'}`;
const prometheusUrl =
  process.env.STATELAB_E2E_PROMETHEUS_URL ?? `http://127.0.0.1:${process.env.PROMETHEUS_PORT ?? '9090'}`;

// What Grafana would put in $__rate_interval with our 5 s scrape interval: wide enough for
// several samples, short enough that traffic sent a few seconds ago shows.
const RATE_INTERVAL = '1m';
// Prometheus scrapes every 5 s; a series first seen now needs two scrapes before rate() answers.
const DATA_DEADLINE_MS = 40_000;

interface PromResponse {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: unknown[] };
}

async function query(promql: string): Promise<PromResponse> {
  const res = await fetch(`${prometheusUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: promql }),
    signal: AbortSignal.timeout(5_000),
  });
  return (await res.json()) as PromResponse;
}

/** Queries until the result is non-empty or the deadline passes; errors end it at once. */
async function queryUntilData(promql: string, deadline: number): Promise<PromResponse> {
  for (;;) {
    const response = await query(promql);
    if (response.status !== 'success' || (response.data?.result.length ?? 0) > 0 || Date.now() > deadline) {
      return response;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function call(method: string, path: string, init: { cookie?: string; body?: unknown } = {}) {
  const res = await fetch(`${nginxUrl}${path}`, {
    method,
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.cookie ? { cookie: init.cookie } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, cookie: res.headers.getSetCookie()[0]?.split(';')[0], json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A little of everything the dashboards chart: each kind, both session stores, create and delete. */
async function sendTraffic(): Promise<void> {
  for (let round = 0; round < 5; round += 1) {
    await Promise.all([
      call('GET', '/api/v1/stateless/info'),
      call('GET', '/api/v1/stateless/random?min=1&max=6&count=3'),
      call('GET', '/api/v1/stateless/hash?input=statelab&rounds=10'),
      call('GET', '/api/v1/stateless/products'),
      call('GET', '/ready'),
    ]);
    for (const kind of ['stateful', 'local']) {
      const created = await call('POST', `/api/v1/${kind}/sessions`);
      expect({ kind, status: created.status }).toEqual({ kind, status: 201 });
      const cookie = created.cookie;
      await call('POST', `/api/v1/${kind}/conversations`, { cookie, body: { text: `hello ${round}` } });
      await call('GET', `/api/v1/${kind}/sessions/current`, { cookie });
      await call('POST', `/api/v1/${kind}/counter/atomic`, { cookie });
      const deleted = await call('DELETE', `/api/v1/${kind}/sessions/${String(created.json.sessionId)}`, { cookie });
      expect({ kind, status: deleted.status }).toEqual({ kind, status: 204 });
    }
  }
}

// Selectors an alert reads that are legitimately empty on a healthy cluster (no 5xx yet).
const mayBeEmpty = (selector: string) => /status=~"5\.\."/.test(selector);

const queries = allQueries();

describe('every dashboard query and alert expression, against the cluster Prometheus', () => {
  let deadline: number;

  beforeAll(async () => {
    await sendTraffic();
    deadline = Date.now() + DATA_DEADLINE_MS;
  }, 60_000);

  it('when the repository is read, then there are queries to check', () => {
    expect(queries.length).toBeGreaterThan(0);
    process.stdout.write(
      `dashboard-queries: ${queries.filter((q) => q.origin !== 'alert').length} dashboard queries and ` +
        `${queries.filter((q) => q.origin === 'alert').length} alert expressions against ${prometheusUrl}\n`,
    );
  });

  it.each(queries.filter((q) => q.origin !== 'alert').map((q): [string, PromQuery] => [q.source, q]))(
    'when the dashboard query "%s" runs after traffic, then Prometheus returns data',
    async (_source, q) => {
      const promql = toPromQL(q.expr, RATE_INTERVAL);
      const response = await queryUntilData(promql, deadline);
      expect({ promql, status: response.status, error: response.error }).toEqual({ promql, status: 'success', error: undefined });
      expect({ promql, empty: (response.data?.result.length ?? 0) === 0 }).toEqual({ promql, empty: false });
    },
    DATA_DEADLINE_MS + 15_000,
  );

  it.each(queries.filter((q) => q.origin === 'alert').map((q): [string, PromQuery] => [q.source, q]))(
    'when the alert expression "%s" runs, then it evaluates and every series it watches exists',
    async (_source, q) => {
      const promql = toPromQL(q.expr, RATE_INTERVAL);
      const whole = await query(promql);
      expect({ promql, status: whole.status, error: whole.error }).toEqual({ promql, status: 'success', error: undefined });
      for (const selector of selectors(promql).filter((s) => !mayBeEmpty(s))) {
        const response = await queryUntilData(selector, deadline);
        expect({ selector, status: response.status }).toEqual({ selector, status: 'success' });
        expect({ selector, empty: (response.data?.result.length ?? 0) === 0 }).toEqual({ selector, empty: false });
      }
    },
    DATA_DEADLINE_MS + 15_000,
  );
});
