// What e2e tests share: where the test cluster is (written by e2e-setup), an HTTP client that
// can pose as a distinct client by binding a local address, and the launcher's commands.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');
export const e2eClusterDir = path.join(repoRoot, '.cluster-test');
export const e2eInfoFile = path.join(e2eClusterDir, 'e2e.json');

export interface E2eCluster {
  clusterDir: string;
  nginxUrl: string;
  prometheusUrl: string;
  /** The environment the launcher was started with (ports, CLUSTER_DIR). */
  env: Record<string, string>;
  replicas: { id: string; port: number }[];
}

export function e2eCluster(): E2eCluster {
  return JSON.parse(readFileSync(e2eInfoFile, 'utf8')) as E2eCluster;
}

/** Runs `node scripts/cluster.mjs <args>` against the test cluster. */
export function clusterCommand(cluster: E2eCluster, args: string[]): string {
  return execFileSync(process.execPath, ['scripts/cluster.mjs', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...cluster.env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: Record<string, unknown>;
  instance: string;
  cookie?: string;
}

/**
 * One simulated client: its own local address (127.0.N.1 looks like a different /24 to
 * ip_hash) and its own keep-alive connections. Call close() when done.
 */
export class Client {
  private readonly agent: http.Agent;
  cookie?: string;

  constructor(
    private readonly baseUrl: string,
    readonly localAddress = '127.0.0.1',
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 16, localAddress });
  }

  request(method: string, urlPath: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    return new Promise((resolve, reject) => {
      const req = http.request(new URL(urlPath, this.baseUrl), { method, headers, agent: this.agent, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const setCookie = res.headers['set-cookie']?.[0]?.split(';')[0];
          if (setCookie) this.cookie = setCookie;
          let json: Record<string, unknown> = {};
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            json = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json, instance: String(res.headers['x-instance-id'] ?? ''), cookie: setCookie });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  get(urlPath: string, headers?: Record<string, string>): Promise<Reply> {
    return this.request('GET', urlPath, { headers });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Counts occurrences, e.g. of replicas that answered. */
export function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
