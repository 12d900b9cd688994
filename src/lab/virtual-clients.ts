import http from 'node:http';
import type { RequestEvent, RouteFamily, VirtualClientInfo } from './lab-types';

/** Which cookie a request carries: the Redis session, the memory session, or a race's own. */
export type Jar = 'redis' | 'memory' | 'race';

export function jarOf(family: RouteFamily): Jar | undefined {
  if (family === 'stateful' || family === 'rr-stateful') return 'redis';
  if (family === 'local' || family === 'rr-local') return 'memory';
  return undefined;
}

/** One request as it happened: the contract's RequestEvent before it is numbered and labelled, plus the parsed body. */
export type Exchange = Omit<RequestEvent, 'type' | 'seq' | 'family' | 'policy' | 'purpose' | 'runId'> & {
  body: Record<string, unknown> | null;
};

export interface SendOptions {
  method?: 'GET' | 'POST';
  path: string;
  jar?: Jar;
  /** A dedicated agent (the race opens K sockets at once). */
  agent?: http.Agent;
  timeoutMs?: number;
}

/**
 * One simulated student. Teaching note: nginx's ip_hash keys on the first three octets of the
 * client's IPv4 address, so eight clients on 127.0.0.1 would be one client. Each virtual client
 * binds its own 127.0.N.1 (the whole 127/8 is loopback on Linux): nginx sees eight /24s and
 * ip_hash decides for each, exactly as for eight students on eight networks. Nothing is spoofed:
 * the source address of the TCP connection is real.
 */
export class VirtualClient {
  readonly info: VirtualClientInfo;
  private readonly agent: http.Agent;
  private readonly cookies = new Map<Jar, string>();

  constructor(
    index: number,
    private readonly nginxUrl: string,
  ) {
    const address = `127.0.${index}.1`;
    this.info = { id: `client-${index}`, name: `Student ${index}`, address };
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 32, localAddress: address });
  }

  raceAgent(k: number): http.Agent {
    return new http.Agent({ keepAlive: false, maxSockets: k, localAddress: this.info.address });
  }

  forget(jar: Jar): void {
    this.cookies.delete(jar);
  }

  hasCookie(jar: Jar): boolean {
    return this.cookies.has(jar);
  }

  /** One request through nginx; never rejects — a transport failure is an exchange with status 0. */
  send(options: SendOptions): Promise<Exchange> {
    const method = options.method ?? 'GET';
    const at = Date.now();
    const started = process.hrtime.bigint();
    const headers: Record<string, string> = { accept: 'application/json' };
    const cookie = options.jar ? this.cookies.get(options.jar) : undefined;
    if (cookie) headers.cookie = cookie;
    if (method === 'POST') headers['content-length'] = '0';
    const base = { client: this.info.id, at, method, path: options.path };
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    return new Promise((resolve) => {
      const req = http.request(
        new URL(options.path, this.nginxUrl),
        { method, headers, agent: options.agent ?? this.agent, timeout: options.timeoutMs ?? 40_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => resolve({ ...base, ...failure(err), latencyMs: elapsed() }));
          res.on('end', () => {
            const setCookie = res.headers['set-cookie']?.[0]?.split(';')[0];
            if (setCookie && options.jar) this.cookies.set(options.jar, setCookie);
            const body = parseJson(Buffer.concat(chunks).toString('utf8'));
            const upstream = header(res.headers['x-upstream']);
            const error = body?.error as { code?: unknown } | undefined;
            resolve({
              ...base,
              status: res.statusCode ?? 0,
              replica: header(res.headers['x-instance-id']),
              upstream,
              retried: (upstream ?? '').includes(','),
              latencyMs: elapsed(),
              requestId: header(res.headers['x-request-id']),
              errorCode: typeof error?.code === 'string' ? error.code : null,
              body,
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
      req.on('error', (err) => resolve({ ...base, ...failure(err), latencyMs: elapsed() }));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function failure(err: Error & { code?: string }) {
  return { status: 0, replica: null, upstream: null, retried: false, requestId: null, errorCode: err.code ?? err.name, body: null };
}

function header(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value.join(', ');
  return value ?? null;
}

function parseJson(text: string): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function createClients(count: number, nginxUrl: string): VirtualClient[] {
  return Array.from({ length: count }, (_, i) => new VirtualClient(i + 1, nginxUrl));
}
