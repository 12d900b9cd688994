// Simulated clients. nginx's ip_hash keys on the first three octets of the client's IPv4
// address, so everything from 127.0.0.1 lands on one replica. Linux routes all of 127.0.0.0/8 to
// loopback, so binding 127.0.1.1, 127.0.2.1, … makes each simulated client look like a different
// user to nginx (docs/benchmarking.md, "Realistic load").
import http from 'node:http';

export interface SimulatedClient {
  /** Source address to bind, or undefined to let the OS choose (non-loopback targets). */
  address: string | undefined;
  /** `name=value` of the session cookie, once a session exists. */
  cookie?: string;
  /** Session id returned by POST …/sessions, used to delete it afterwards. */
  sessionId?: string;
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Client i binds 127.0.(i+1).1; only loopback targets can be reached from those addresses. */
export function makeClients(count: number, targetUrl: string): SimulatedClient[] {
  if (!isLoopback(targetUrl)) return [{ address: undefined }];
  if (count < 1 || count > 254) throw new Error(`--clients must be between 1 and 254, got ${count}`);
  return Array.from({ length: count }, (_, i) => ({ address: `127.0.${i + 1}.1` }));
}

/** One small HTTP request from a given client address (setup and checks, never the load itself). */
export function request(
  url: string,
  options: { method?: string; body?: unknown; client?: SimulatedClient; timeoutMs?: number } = {},
): Promise<HttpReply> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (options.client?.cookie) headers.cookie = options.client.cookie;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        headers,
        localAddress: options.client?.address,
        agent: false,
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** `name=value` of the first Set-Cookie header: the session cookie's name is read, not assumed. */
export function cookieFrom(headers: http.IncomingHttpHeaders): string | undefined {
  const first = headers['set-cookie']?.[0];
  return first?.split(';')[0]?.trim() || undefined;
}

/** Creates one session per client under `/api/v1/<namespace>` and stores its cookie on the client. */
export async function createSessions(baseUrl: string, namespace: string, clients: SimulatedClient[]): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      const reply = await request(`${baseUrl}/api/v1/${namespace}/sessions`, { method: 'POST', client });
      const cookie = cookieFrom(reply.headers);
      if (reply.status !== 201 || !cookie) {
        throw new Error(`creating a ${namespace} session failed: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
      }
      client.cookie = cookie;
      client.sessionId = (JSON.parse(reply.body) as { sessionId?: string }).sessionId;
    }),
  );
}

/** Best effort: sessions are deleted so repeated benchmarks do not pile them up in Redis. */
export async function deleteSessions(baseUrl: string, namespace: string, clients: SimulatedClient[]): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      if (client.sessionId) {
        await request(`${baseUrl}/api/v1/${namespace}/sessions/${client.sessionId}`, { method: 'DELETE', client }).catch(() => undefined);
      }
      client.cookie = undefined;
      client.sessionId = undefined;
    }),
  );
}

/** Reads a session's counter through GET …/counter (`{naive, atomic}`). */
export async function readCounter(baseUrl: string, namespace: string, kind: 'naive' | 'atomic', client: SimulatedClient): Promise<number> {
  const reply = await request(`${baseUrl}/api/v1/${namespace}/counter`, { client });
  if (reply.status !== 200) throw new Error(`reading the counter failed: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
  const value = (JSON.parse(reply.body) as Record<string, unknown>)[kind];
  if (typeof value !== 'number') throw new Error(`GET …/counter returned no numeric "${kind}": ${reply.body.slice(0, 200)}`);
  return value;
}
