import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Defined here, where metrics are labelled by it.
export type RouteKind = 'stateless' | 'stateful' | 'local' | 'ops' | 'auth' | 'limits' | 'admin' | 'other';
export type StoreName = 'redis' | 'memory';

/**
 * The HTTP counter and histogram are labelled by the Express route template
 * (`/api/v1/stateful/sessions/:id`), never by the raw path: raw paths carry ids and would create
 * one time series per session. src/http/request-observer.ts records them.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status' | 'kind'>;
  httpDuration: Histogram<'method' | 'route' | 'status' | 'kind'>;
  sessionsCreated: Counter<'store'>;
  sessionsDestroyed: Counter<'store'>;
  idempotentRequests: Counter<'outcome'>;
}

/**
 * Every metric of a replica, on a registry of its own (tests build several apps in one process).
 * The constant label is `replica`, not `instance`: Prometheus sets `instance` to the scrape
 * address itself, and a clash would be renamed to `exported_instance`.
 */
export function createMetrics(replica: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ replica });
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status', 'kind'] as const;
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by route template',
      labelNames,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route template',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    sessionsCreated: new Counter({
      name: 'statelab_sessions_created_total',
      help: 'Sessions created, by session store',
      labelNames: ['store'],
      registers: [registry],
    }),
    sessionsDestroyed: new Counter({
      name: 'statelab_sessions_destroyed_total',
      help: 'Sessions destroyed, by session store',
      labelNames: ['store'],
      registers: [registry],
    }),
    idempotentRequests: new Counter({
      name: 'statelab_idempotent_requests_total',
      help: 'Requests that carried an Idempotency-Key, by outcome: first, replayed, in_progress (409), mismatch (422)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}
