// The nginx template itself: the rendered native config passes `nginx -t`, and nginx's own
// errors (rate limit, no replica) answer in the API's JSON error shape. The error cases run a
// second, private nginx rendered from the same template with a tiny rate limit and upstreams
// on ports where nothing listens, so the shared test cluster is never disturbed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, repoRoot } from '../support/e2e-cluster';
import { freePort } from '../support/free-port';

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
  let client: Client;

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
    client = new Client(`http://127.0.0.1:${port}`);
    const deadline = Date.now() + 10_000;
    while ((await client.get('/health').catch(() => undefined)) === undefined) {
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
