// Every request the chaos load makes, recorded one by one — not autocannon's totals — so a
// report can say which request failed, on which replica, when, and why.
import { randomUUID } from 'node:crypto';
import { SimulatedClient, type Exchange } from '../cluster/simulated-client';

export type Route = 'stateless' | 'session-read' | 'session-write' | 'counter-atomic' | 'counter-keyed' | 'products';

export interface Outcome {
  id: string;
  /** Milliseconds since the scenario's load started. */
  t: number;
  client: string;
  route: Route;
  method: string;
  status: number;
  replica: string | null;
  /** The JSON error code, or the transport error (ECONNRESET, TIMEOUT). */
  error: string | null;
  latencyMs: number;
}

/** The chaos load's clients: client n binds 127.0.n.1, so ip_hash spreads them over the replicas. */
export function loadClients(count: number, baseUrl: string): SimulatedClient[] {
  return Array.from({ length: count }, (_, i) => SimulatedClient.numbered(i + 1, baseUrl, { maxSockets: 8, timeoutMs: 35_000 }));
}

/** The failure an outcome records: the transport error, the JSON error code, or HTTP_<status>. */
function errorOf(exchange: Exchange): string | null {
  if (exchange.status === 0) return exchange.errorCode ?? 'NO_RESPONSE';
  if (exchange.status >= 400) return exchange.errorCode ?? `HTTP_${exchange.status}`;
  return null;
}

/**
 * One request, recorded as an outcome; never rejects. Each carries an X-Request-Id of its own, so
 * a failure in the report can be found in the replica's log. Shared by the chaos load and the
 * idempotency workload (counter-workload.ts).
 */
export async function send(
  client: SimulatedClient,
  route: Route,
  startedAt: number,
  request: { method: string; path: string; headers?: Record<string, string>; timeoutMs?: number },
): Promise<{ outcome: Outcome; exchange: Exchange }> {
  const id = randomUUID();
  const exchange = await client.send({ method: request.method, path: request.path, headers: { 'x-request-id': id, ...request.headers }, timeoutMs: request.timeoutMs });
  const outcome: Outcome = {
    id,
    t: exchange.at - startedAt,
    client: client.id,
    route,
    method: request.method,
    status: exchange.status,
    replica: exchange.replica,
    error: errorOf(exchange),
    latencyMs: Math.round(exchange.latencyMs),
  };
  return { outcome, exchange };
}

export const PATHS: Record<Route, { method: string; path: string }> = {
  stateless: { method: 'GET', path: '/api/v1/stateless/info' },
  'session-read': { method: 'GET', path: '/api/v1/stateful/sessions/current' },
  // Rewrites the whole session object in Redis (one loop per client: no race with itself).
  'session-write': { method: 'POST', path: '/api/v1/stateful/counter/naive' },
  'counter-atomic': { method: 'POST', path: '/api/v1/stateful/counter/atomic' },
  // The same increment with a fresh Idempotency-Key: nginx may then re-send it to another
  // replica after a connection failure (nginx/nginx.conf.template), which it never does unkeyed.
  'counter-keyed': { method: 'POST', path: '/api/v1/stateful/counter/atomic' },
  // Uncached: the edge cache would otherwise answer without PostgreSQL.
  products: { method: 'GET', path: '/api/v1/stateless/products?nocache=1' },
};

/**
 * Runs one closed loop per client and route until `stop()`: each loop sends its next request
 * when the previous one answered, so a hang shows up as latency and fewer requests, not as a pile-up.
 */
export function runLoad(clients: SimulatedClient[], routes: Route[], startedAt: number) {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = clients.flatMap((client) =>
    routes.map(async (route) => {
      while (running) {
        const headers = route === 'counter-keyed' ? { 'idempotency-key': randomUUID() } : undefined;
        const { outcome } = await send(client, route, startedAt, { ...PATHS[route], headers });
        outcomes.push(outcome);
        // A refused connection answers at once; do not spin on it.
        if (outcome.status === 0 || outcome.status >= 500) await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
