import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { Client } from 'pg';
import { cloneDatabase } from '../support/test-app';
import { findFreePort as freePort } from '../../scripts/lib/private-services.mjs';

const root = path.resolve(__dirname, '../..');

interface Replica {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts src/server.ts as its own process, exactly as `npm run dev` would. */
async function startReplica(env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, output: () => output, exited };
}

function get(port: number, urlPath: string, agent: http.Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function waitReady(replica: Replica, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (replica.child.exitCode !== null) throw new Error(`replica exited:\n${replica.output()}`);
    try {
      if ((await get(replica.port, '/ready')).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`replica not ready after ${timeoutMs} ms:\n${replica.output()}`);
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.child.exitCode === null) replica.child.kill('SIGKILL');
  await replica.exited;
}

async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const clone = await cloneDatabase();
  // Start from nothing: drop what the template brought, so the replicas must migrate and seed.
  const client = new Client({ connectionString: clone.url });
  await client.connect();
  await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await client.end();
  return clone;
}

async function count(url: string, sql: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(sql)).rows[0].n);
  } finally {
    await client.end();
  }
}

const baseEnv = () => ({ REDIS_URL: process.env.STATELAB_TEST_REDIS_URL!, REDIS_KEY_PREFIX: 'test:lifecycle:' });

describe('when three replicas start at the same moment on an empty database', () => {
  it('then one migrates and seeds, the others wait, and the data is seeded exactly once', async () => {
    const database = await emptyDatabase();
    const replicas = await Promise.all(
      ['a', 'b', 'c'].map((id) => startReplica({ ...baseEnv(), DATABASE_URL: database.url, INSTANCE_ID: `boot-${id}` })),
    );
    try {
      await Promise.all(replicas.map((r) => waitReady(r)));
      expect(await count(database.url, 'SELECT count(*) AS n FROM products')).toBe(50);
      expect(await count(database.url, 'SELECT count(*) AS n FROM users')).toBe(5);
      expect(await count(database.url, 'SELECT count(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL')).toBeGreaterThan(0);
      const metrics = await get(replicas[0]!.port, '/metrics');
      await get(replicas[0]!.port, '/api/v1/stateless/products?limit=1');
      const after = await get(replicas[0]!.port, '/metrics');
      expect(metrics.status).toBe(200);
      expect(after.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/stateless\/products"/);
      expect(after.body).toMatch(/replica="boot-a"/);
    } finally {
      await Promise.all(replicas.map(stopReplica));
      await database.drop();
    }
    // Three boots with migrations on a shared 2-core machine: generous, it is not a speed test.
  }, 120_000);
});

describe('when SIGTERM arrives while a slow request is in flight', () => {
  it('then the request still completes with 200 and the process exits 0 without waiting out keep-alive', async () => {
    const database = await cloneDatabase();
    const replica = await startReplica({
      ...baseEnv(),
      DATABASE_URL: database.url,
      MIGRATE_ON_START: 'false',
      INSTANCE_ID: 'graceful',
      SHUTDOWN_TIMEOUT_MS: '60000',
    });
    // A keep-alive client, like nginx's upstream pool: its idle socket must not hold shutdown open.
    const agent = new http.Agent({ keepAlive: true });
    try {
      await waitReady(replica);
      const slow = get(replica.port, '/api/v1/stateless/delay?ms=1500', agent);
      await new Promise((r) => setTimeout(r, 300));
      replica.child.kill('SIGTERM');
      const res = await slow;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ delayedMs: 1500, instance: 'graceful' });
      // Exit comes from the drained server, not from the 60 s shutdown timeout.
      const exit = await Promise.race([replica.exited, new Promise((r) => setTimeout(() => r('still running'), 15_000).unref())]);
      expect(exit).toBe(0);
      expect(replica.output()).toMatch(/"msg":"stopped"/);
    } finally {
      agent.destroy();
      await stopReplica(replica);
      await database.drop();
    }
  });
});

describe('when the configuration is invalid', () => {
  it('then the replica refuses to start and names the variable', async () => {
    const replica = await startReplica({ ...baseEnv(), DEPENDENCY_TIMEOUT_MS: 'soon' });
    expect(await replica.exited).toBe(1);
    expect(replica.output()).toMatch(/DEPENDENCY_TIMEOUT_MS/);
  });

  it('then in production the development session secret is refused', async () => {
    const replica = await startReplica({ ...baseEnv(), NODE_ENV: 'production', SESSION_SECRET: '' });
    expect(await replica.exited).toBe(1);
    expect(replica.output()).toMatch(/SESSION_SECRET/);
  });
});
