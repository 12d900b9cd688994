// One closed-loop load measurement with autocannon's programmatic API, plus what autocannon does
// not give by itself: a source address per simulated client, per-replica response counts from
// X-Instance-Id, exact p95 latency, 2xx counts per client, and the generator's own CPU use.
import net from 'node:net';
import autocannon from 'autocannon';
import type { Namespace } from './clients';
import { quantileSorted } from './stats';
import type { SimulatedClient } from '../cluster/simulated-client';

export interface LoadRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: unknown;
  connections: number;
  pipelining: number;
  durationSeconds: number;
  /** Connection i belongs to client i mod clients.length: its address and its cookie. */
  clients: readonly SimulatedClient[];
  /** The session whose cookie each connection sends (the client's jar of that name), if any. */
  session?: Namespace;
  /** Called about once a second with the responses so far, in total and per X-Instance-Id (a copy). */
  onTick?: (elapsedSeconds: number, responses: number, perReplica: Record<string, number>) => void;
}

export interface LoadMeasurement {
  startedAt: string;
  durationSeconds: number;
  responses: number;
  requestsPerSecond: number;
  /** Latency of 2xx responses, in milliseconds. */
  latencyMs: { p50: number; p95: number; p99: number; mean: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Responses (any status) per X-Instance-Id value; they add up to `responses`. */
  perReplica: Record<string, number>;
  /** 2xx responses per simulated client, in the order of `clients`. */
  perClient2xx: number[];
  /** Generator CPU time / wall time: 1.0 means one core was busy all the time. */
  generatorCpu: number;
}

export const NO_INSTANCE_HEADER = '(no X-Instance-Id)';

/** autocannon's per-connection client, with the members this module relies on. */
interface AutocannonClient {
  _connect(): void;
  setHeaders(headers: Record<string, string>): void;
  on(event: 'headers', listener: (info: { headers: string[]; statusCode: number }) => void): this;
}

/**
 * autocannon dials with `net.connect(port, host)` and offers no source-address option. Its
 * `setupClient` hook runs before the first connect, so each connection's `_connect` is wrapped to
 * dial with `localAddress` for exactly the synchronous duration of that call. Reconnects keep the
 * same address, so a simulated client stays one "user" for ip_hash for the whole run.
 */
function bindSourceAddress(client: AutocannonClient, address: string): void {
  const connect = client._connect;
  client._connect = function connectFrom(this: AutocannonClient): void {
    const original = net.connect;
    const bound = ((port: number, host: string) => original({ port, host, localAddress: address })) as typeof net.connect;
    (net as { connect: typeof net.connect }).connect = bound;
    try {
      connect.call(this);
    } finally {
      (net as { connect: typeof net.connect }).connect = original;
    }
  };
}

class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  add(value: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = value;
  }

  summary(): LoadMeasurement['latencyMs'] {
    const sorted = this.values.subarray(0, this.count).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      p50: quantileSorted(sorted, 0.5),
      p95: quantileSorted(sorted, 0.95),
      p99: quantileSorted(sorted, 0.99),
      mean: this.count ? sum / this.count : Number.NaN,
      max: this.count ? sorted[this.count - 1]! : Number.NaN,
    };
  }
}

export async function measureLoad(spec: LoadRequest): Promise<LoadMeasurement> {
  if (spec.clients.length === 0) throw new Error('at least one simulated client is needed');
  const baseHeaders: Record<string, string> = spec.body === undefined ? {} : { 'content-type': 'application/json' };
  const clientIndex = new WeakMap<object, number>();
  const lastInstance = new WeakMap<object, string>();
  const perReplica: Record<string, number> = {};
  const perClient2xx = spec.clients.map(() => 0);
  const latencies = new LatencyRecorder();
  let responses = 0;
  let connectionsMade = 0;

  const setupClient = (c: autocannon.Client): void => {
    const client = c as unknown as AutocannonClient;
    const index = connectionsMade++ % spec.clients.length;
    const simulated = spec.clients[index]!;
    clientIndex.set(client, index);
    if (simulated.address) bindSourceAddress(client, simulated.address);
    const cookie = spec.session ? simulated.cookieOf(spec.session) : undefined;
    client.setHeaders(cookie ? { ...baseHeaders, cookie } : baseHeaders);
    client.on('headers', (info) => {
      const raw = info.headers;
      for (let i = 0; i < raw.length; i += 2) {
        if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'x-instance-id') {
          lastInstance.set(client, raw[i + 1]!);
          return;
        }
      }
      lastInstance.set(client, NO_INSTANCE_HEADER);
    });
  };

  const cpuBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  const startedAt = new Date().toISOString();
  let ticker: NodeJS.Timeout | undefined;

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: spec.method,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        headers: baseHeaders,
        connections: spec.connections,
        pipelining: spec.pipelining,
        duration: spec.durationSeconds,
        setupClient,
      },
      (err: unknown, res: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('response', (client, statusCode, _bytes, responseTime) => {
      responses++;
      const replica = lastInstance.get(client) ?? NO_INSTANCE_HEADER;
      perReplica[replica] = (perReplica[replica] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) {
        latencies.add(responseTime);
        const index = clientIndex.get(client);
        if (index !== undefined) perClient2xx[index]! += 1;
      }
    });
    if (spec.onTick) {
      const onTick = spec.onTick;
      ticker = setInterval(() => onTick(Number(process.hrtime.bigint() - wallBefore) / 1e9, responses, { ...perReplica }), 1000);
    }
  }).finally(() => clearInterval(ticker));

  const wallMicros = Number(process.hrtime.bigint() - wallBefore) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;

  return {
    startedAt,
    durationSeconds: result.duration,
    responses,
    requestsPerSecond: responses / result.duration,
    latencyMs: latencies.summary(),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    perReplica,
    perClient2xx,
    generatorCpu: (cpu.user + cpu.system) / wallMicros,
  };
}
