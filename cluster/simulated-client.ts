// The one simulated client of the cluster: the lab's virtual students, the chaos load, the bench's
// session setup and the e2e tests all send their requests through this class.
import http from 'node:http';
import type { ExchangeSummary } from './exchange';

/**
 * One request and its answer, as a client sees it. Transport failures are answers too: status 0
 * and the error's code (ECONNREFUSED, ECONNRESET, TIMEOUT) — `send` never rejects, so a caller
 * that records outcomes (the lab, chaos) and one that asserts on them (a test) read the same shape.
 */
export interface Exchange extends ExchangeSummary {
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as a JSON object; {} when it is empty, not JSON, or not an object. */
  json: Record<string, unknown>;
  /** `name=value` of the first Set-Cookie of the answer, if any. */
  cookie: string | undefined;
}

export interface SendOptions {
  method?: string;
  /** A path on the client's base URL (or an absolute URL). */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * The cookie jar the request sends and an answer's Set-Cookie fills: a name, or null for
   * none. One client may hold several sessions at once (the lab keeps a Redis one and a memory one).
   */
  jar?: string | null;
  /** A dedicated agent instead of the client's keep-alive one (the race opens K sockets at once). */
  agent?: http.Agent;
  timeoutMs?: number;
}

export interface ClientOptions {
  id?: string;
  name?: string;
  /** Source address to bind; undefined lets the OS choose (needed for targets off this machine). */
  address?: string;
  maxSockets?: number;
  /** Default per-request timeout. */
  timeoutMs?: number;
}

const DEFAULT_JAR = 'default';
/** Longer than nginx's proxy_read_timeout (30 s): a hung replica shows as nginx's 504, not as ours. */
const DEFAULT_TIMEOUT_MS = 40_000;

/** Client n's source address. */
export function clientAddress(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 254) throw new Error(`a simulated client is numbered 1..254, not ${n}`);
  return `127.0.${n}.1`;
}

/** True for targets a client bound to 127.0.N.1 can reach. */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A simulated student. Teaching note: nginx's ip_hash keys on the first three octets of the
 * client's IPv4 address, so eight clients on 127.0.0.1 would be one client. Client n binds its
 * own 127.0.n.1 (the whole 127/8 is loopback on Linux): nginx sees a /24 per client and ip_hash
 * decides for each, exactly as for students on different networks. Nothing is spoofed: the
 * source address of the TCP connection is real.
 */
export class SimulatedClient {
  readonly id: string;
  readonly name: string;
  readonly address: string | undefined;
  private readonly agent: http.Agent;
  private readonly jars = new Map<string, string>();
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    options: ClientOptions = {},
  ) {
    this.address = options.address;
    this.id = options.id ?? `client@${options.address ?? 'any'}`;
    this.name = options.name ?? this.id;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16, localAddress: options.address });
  }

  /** Client n of a class: id client-n, address 127.0.n.1. */
  static numbered(n: number, baseUrl: string, options: Omit<ClientOptions, 'id' | 'address'> = {}): SimulatedClient {
    return new SimulatedClient(baseUrl, { name: `Student ${n}`, ...options, id: `client-${n}`, address: clientAddress(n) });
  }

  /** The session cookie of the default jar, for callers that hold one session. */
  get cookie(): string | undefined {
    return this.jars.get(DEFAULT_JAR);
  }

  set cookie(value: string | undefined) {
    this.setCookie(value, DEFAULT_JAR);
  }

  cookieOf(jar: string): string | undefined {
    return this.jars.get(jar);
  }

  setCookie(value: string | undefined, jar = DEFAULT_JAR): void {
    if (value === undefined) this.jars.delete(jar);
    else this.jars.set(jar, value);
  }

  forget(jar = DEFAULT_JAR): void {
    this.jars.delete(jar);
  }

  /** An agent of its own with `sockets` connections from this client's address, for concurrent bursts. */
  dedicatedAgent(sockets: number): http.Agent {
    return new http.Agent({ keepAlive: false, maxSockets: sockets, localAddress: this.address });
  }

  /** One request; resolves with the exchange, never rejects. */
  send(options: SendOptions): Promise<Exchange> {
    const method = options.method ?? 'GET';
    const jar = options.jar === undefined ? DEFAULT_JAR : options.jar;
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    else if (method === 'POST' || method === 'PUT' || method === 'PATCH') headers['content-length'] = '0';
    const cookie = jar === null ? undefined : this.jars.get(jar);
    if (cookie && headers.cookie === undefined) headers.cookie = cookie;
    const at = Date.now();
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    const base = { client: this.id, at, method, path: options.path };
    const failed = (err: Error & { code?: string }): Exchange => ({
      ...base,
      status: 0,
      replica: null,
      upstream: null,
      retried: false,
      latencyMs: elapsed(),
      requestId: null,
      errorCode: err.code ?? err.name,
      headers: {},
      text: '',
      json: {},
      cookie: undefined,
    });
    return new Promise((resolve) => {
      const req = http.request(
        new URL(options.path, this.baseUrl),
        { method, headers, agent: options.agent ?? this.agent, timeout: options.timeoutMs ?? this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => resolve(failed(err)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const setCookie = res.headers['set-cookie']?.[0]?.split(';')[0]?.trim() || undefined;
            if (setCookie && jar !== null) this.jars.set(jar, setCookie);
            const json = parseObject(text);
            const error = json.error as { code?: unknown } | undefined;
            const upstream = header(res.headers['x-upstream']);
            resolve({
              ...base,
              status: res.statusCode ?? 0,
              replica: header(res.headers['x-instance-id']),
              upstream,
              retried: (upstream ?? '').includes(','),
              latencyMs: elapsed(),
              requestId: header(res.headers['x-request-id']),
              errorCode: typeof error?.code === 'string' ? error.code : null,
              headers: res.headers,
              text,
              json,
              cookie: setCookie,
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
      req.on('error', (err) => resolve(failed(err)));
      req.end(payload);
    });
  }

  request(method: string, path: string, options: Omit<SendOptions, 'method' | 'path'> = {}): Promise<Exchange> {
    return this.send({ ...options, method, path });
  }

  get(path: string, headers?: Record<string, string>): Promise<Exchange> {
    return this.send({ path, headers });
  }

  close(): void {
    this.agent.destroy();
  }
}

function header(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value.join(', ');
  return value ?? null;
}

function parseObject(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
