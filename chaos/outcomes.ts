// Every request the chaos load makes, recorded one by one — not autocannon's totals — so a
// report can say which request failed, on which replica, when, and why.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

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

export interface LoadClient {
  id: string;
  address: string;
  cookie?: string;
  sessionId?: string;
  agent: http.Agent;
}

export function loadClients(count: number): LoadClient[] {
  return Array.from({ length: count }, (_, i) => {
    const address = `127.0.${i + 1}.1`;
    return { id: `client-${i + 1}`, address, agent: new http.Agent({ keepAlive: true, maxSockets: 8, localAddress: address }) };
  });
}

/** One request; resolves with its outcome (and the body and headers), never rejects. Shared by the chaos load and the idempotency workload (counter-workload.ts). */
export function send(
  base: string,
  client: LoadClient,
  route: Route,
  method: string,
  path: string,
  startedAt: number,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Outcome & { body: string; headers: http.IncomingHttpHeaders }> {
  const id = randomUUID();
  const t0 = Date.now();
  const headers: Record<string, string> = { 'x-request-id': id, ...options.headers };
  if (client.cookie) headers.cookie = client.cookie;
  if (method === 'POST') headers['content-length'] = '0';
  const base_ = { id, t: t0 - startedAt, client: client.id, route, method };
  return new Promise((resolve) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: client.agent, timeout: options.timeoutMs ?? 35_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ ...base_, status: 0, replica: null, error: err.code ?? err.message, latencyMs: Date.now() - t0, body: '', headers: {} }));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let error: string | null = null;
        if ((res.statusCode ?? 0) >= 400) {
          try {
            error = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? `HTTP_${res.statusCode}`;
          } catch {
            error = `HTTP_${res.statusCode}`;
          }
        }
        const replica = res.headers['x-instance-id'];
        resolve({ ...base_, status: res.statusCode ?? 0, replica: typeof replica === 'string' ? replica : null, error, latencyMs: Date.now() - t0, body, headers: res.headers });
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ...base_, status: 0, replica: null, error: err.code ?? err.message, latencyMs: Date.now() - t0, body: '', headers: {} }));
    req.end();
  });
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
export function runLoad(base: string, clients: LoadClient[], routes: Route[], startedAt: number) {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = clients.flatMap((client) =>
    routes.map(async (route) => {
      while (running) {
        const { method, path } = PATHS[route];
        const headers = route === 'counter-keyed' ? { 'idempotency-key': randomUUID() } : undefined;
        const { body: _body, headers: _headers, ...outcome } = await send(base, client, route, method, path, startedAt, { headers });
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
