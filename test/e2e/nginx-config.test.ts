// The nginx template itself: the rendered native config passes `nginx -t`, and nginx's own
// errors (rate limit, no replica) answer in the API's JSON error shape. The error cases run a
// second, private nginx rendered from the same template with a tiny rate limit and upstreams
// on ports where nothing listens, so the shared test cluster is never disturbed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { testClient, repoRoot } from '../support/e2e-cluster';
import type { SimulatedClient } from '../../cluster/simulated-client';
import { findFreePort as freePort } from '../../scripts/lib/private-services.mjs';

const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => {
  try {
    execFileSync(p, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}) ?? 'nginx';

/** Renders the native config into a fresh cluster dir with `env` on top of the defaults. */
function renderNative(env: Record<string, string>): { dir: string; conf: string; args: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'statelab-nginx-'));
  // A root master hands requests to `nobody` workers, which must reach the temp dirs.
  chmodSync(dir, 0o755);
  for (const sub of ['nginx/tmp', 'logs', 'config']) mkdirSync(path.join(dir, sub), { recursive: true });
  execFileSync(process.execPath, ['scripts/render-config.mjs', 'native', path.join(dir, 'config')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, CLUSTER_DIR: dir, ...env },
    stdio: 'pipe',
  });
  const conf = path.join(dir, 'config', 'nginx.conf');
  return { dir, conf, args: ['-p', path.join(dir, 'nginx'), '-c', conf, '-e', path.join(dir, 'logs', 'nginx-error.log')] };
}

describe('the rendered native nginx config', () => {
  it('when rendered with default settings, then nginx -t accepts it', () => {
    const { dir, args } = renderNative({});
    try {
      const out = execFileSync(nginxBin, [...args, '-t'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when rendered with rate limiting disabled, then nginx -t accepts it', () => {
    const { dir, args } = renderNative({ NGINX_RATE_LIMIT_RPS: '0' });
    try {
      expect(() => execFileSync(nginxBin, [...args, '-t'], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("nginx's own errors", () => {
  let rendered: { dir: string; args: string[] };
  let nginx: ChildProcess;
  let client: SimulatedClient;

  beforeAll(async () => {
    const [port, statusPort, deadBase] = [await freePort(), await freePort(), await freePort()];
    rendered = renderNative({
      NGINX_PORT: String(port),
      NGINX_STATUS_PORT: String(statusPort),
      APP_BASE_PORT: String(deadBase),
      NGINX_RATE_LIMIT_RPS: '1',
      NGINX_RATE_LIMIT_BURST: '0',
    });
    nginx = spawn(nginxBin, [...rendered.args, '-g', 'daemon off;'], { stdio: 'ignore' });
    client = testClient(`http://127.0.0.1:${port}`);
    const deadline = Date.now() + 10_000;
    while ((await client.get('/health')).status === 0) {
      if (nginx.exitCode !== null || Date.now() > deadline) {
        throw new Error(`private nginx did not start — see ${path.join(rendered.dir, 'logs', 'nginx-error.log')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Let the rate limiter forget the probe above.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });

  afterAll(async () => {
    client?.close();
    if (nginx?.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    rmSync(rendered.dir, { recursive: true, force: true });
  });

  it('when no replica answers, then nginx replies 502 with the JSON error shape', async () => {
    const reply = await client.get('/api/v1/stateless/info');
    expect(reply.status).toBe(502);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json).toEqual({ error: { code: 'BAD_GATEWAY', message: expect.any(String) } });
    expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('when a client exceeds the rate limit, then nginx replies 429 RATE_LIMITED as JSON', async () => {
    const replies = [await client.get('/api/v1/stateless/info'), await client.get('/api/v1/stateless/info')];
    const limited = replies.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    expect(limited!.headers['content-type']).toMatch(/^application\/json/);
    expect(limited!.headers['retry-after']).toBe('1');
    expect(limited!.json).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
  });
});

describe('retries of POSTs after a connection failure', () => {
  /**
   * Three stand-in replicas on consecutive ports (the native render's APP_BASE_PORT+i). The first
   * POST any of them receives is cut off mid-flight — the socket is destroyed, as when a replica
   * is SIGKILLed — and every later one is answered, so what nginx does next is what we see.
   */
  async function standIns(): Promise<{ base: number; attempts: { port: number; url: string; key?: string }[]; close(): Promise<void> }> {
    const attempts: { port: number; url: string; key?: string }[] = [];
    for (let tries = 0; tries < 20; tries++) {
      const base = 20_000 + Math.floor(Math.random() * 20_000);
      const servers = [0, 1, 2].map((i) =>
        http.createServer((req, res) => {
          attempts.push({ port: base + i, url: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined });
          if (attempts.length === 1) {
            req.socket.destroy();
            return;
          }
          res.setHeader('content-type', 'application/json');
          res.end('{"value":1}');
        }),
      );
      const bound = await Promise.all(
        servers.map((s, i) => new Promise<boolean>((resolve) => s.once('error', () => resolve(false)).listen(base + i, '127.0.0.1', () => resolve(true)))),
      );
      const close = () => Promise.all(servers.map((s) => new Promise((resolve) => (s.listening ? s.close(resolve) : resolve(undefined))))).then(() => undefined);
      if (bound.every(Boolean)) return { base, attempts, close };
      await close();
    }
    throw new Error('no three consecutive free ports for the stand-in replicas');
  }

  let replicas: Awaited<ReturnType<typeof standIns>>;
  let rendered: { dir: string; args: string[] };
  let nginx: ChildProcess;
  let client: SimulatedClient;

  beforeEach(async () => {
    replicas = await standIns();
    const [port, statusPort] = [await freePort(), await freePort()];
    rendered = renderNative({ NGINX_PORT: String(port), NGINX_STATUS_PORT: String(statusPort), APP_BASE_PORT: String(replicas.base) });
    nginx = spawn(nginxBin, [...rendered.args, '-g', 'daemon off;'], { stdio: 'ignore' });
    client = testClient(`http://127.0.0.1:${port}`);
    const deadline = Date.now() + 10_000;
    while ((await client.get('/_statelab_errors/404')).status === 0) {
      if (nginx.exitCode !== null || Date.now() > deadline) throw new Error('private nginx did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterEach(async () => {
    client.close();
    if (nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await replicas.close();
    rmSync(rendered.dir, { recursive: true, force: true });
  });

  it('when a POST without an Idempotency-Key is cut off, then nginx does not send it again: 502', async () => {
    const reply = await client.request('POST', '/api/v1/stateful/counter/atomic');
    expect(reply.status).toBe(502);
    expect(reply.json).toEqual({ error: { code: 'BAD_GATEWAY', message: expect.any(String) } });
    expect(replicas.attempts).toHaveLength(1);
  });

  it('when a POST with an Idempotency-Key is cut off, then nginx sends it, key and path intact, to another replica', async () => {
    const reply = await client.request('POST', '/api/v1/stateful/counter/atomic?x=1', { headers: { 'idempotency-key': 'key-0123456789abcdef' } });
    expect(reply.status).toBe(200);
    expect(replicas.attempts).toHaveLength(2);
    expect(replicas.attempts[1]!.port).not.toBe(replicas.attempts[0]!.port);
    for (const attempt of replicas.attempts) expect(attempt).toMatchObject({ url: '/api/v1/stateful/counter/atomic?x=1', key: 'key-0123456789abcdef' });
    expect(reply.headers['x-upstream']).toContain(', ');
  });

  it('when a keyed POST goes to the /local routes, then it is not retried either: they ignore keys', async () => {
    const reply = await client.request('POST', '/api/v1/local/counter/atomic', { headers: { 'idempotency-key': 'key-0123456789abcdef' } });
    expect(reply.status).toBe(502);
    expect(replicas.attempts).toHaveLength(1);
  });
});
