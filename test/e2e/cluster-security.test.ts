// Issue 19, "nobody gets in where they don't belong", against the real test cluster: what a
// curious student on the same machine, or a hostile client in front of nginx, must not reach.
// Simulated clients bind 127.0.190.1 and up (and 127.0.5.1 / 127.0.9.1, the issue's own probe).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client as Pg } from 'pg';
import type { SimulatedClient } from '../../cluster/simulated-client';
import { serviceUrls } from '../../cluster/state';
import { clusterCommand, clusterState, e2eCluster, labToken, redisUnauthenticated, testClient, type E2eCluster } from '../support/e2e-cluster';
import { sendRaw } from '../support/hostile-requests';

let cluster: E2eCluster;
const clients: SimulatedClient[] = [];

function client(address: string): SimulatedClient {
  const c = testClient(cluster.nginxUrl, address);
  clients.push(c);
  return c;
}

beforeAll(() => {
  cluster = e2eCluster();
});

afterAll(() => {
  for (const c of clients) c.close();
});

/** Every file under `dir`, depth first. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

const modeOf = (file: string): number => statSync(file).mode & 0o777;

/** The local address a TCP port listens on, from /proc/net/tcp{,6} ("127.0.0.1", "0.0.0.0", "::"). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A' || !local.endsWith(`:${hexPort}`)) continue;
      const hex = local.slice(0, local.indexOf(':'));
      if (hex.length === 8) found.push(hex.match(/../g)!.reverse().map((b) => Number.parseInt(b, 16)).join('.'));
      else found.push(/^0+$/.test(hex) ? '::' : hex === '00000000000000000000000001000000' ? '::1' : hex);
    }
  }
  return found;
}

describe('the cluster folder and the lab token', () => {
  it('when the launcher prints the lab URL, then the token is in its #fragment, which a browser never sends', () => {
    const status = clusterCommand(cluster, ['status']);
    const token = labToken(cluster);
    expect(status).toContain(`/#token=${token}`);
    expect(status).not.toContain(`?token=`);
  });

  it('when the printed lab URL is opened, then no log line, nginx\'s access log included, carries the token', async () => {
    const token = labToken(cluster);
    const url = /https?:\/\/\S+token=\S+/.exec(clusterCommand(cluster, ['status']))![0].replace('localhost', '127.0.0.1');
    // What a browser sends for that URL: everything before the fragment.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    await page.arrayBuffer();
    const logs = filesUnder(path.join(cluster.clusterDir, 'logs'));
    expect(logs.map((f) => path.basename(f))).toContain('nginx-access.log');
    expect(logs.filter((f) => readFileSync(f, 'utf8').includes(token)).map((f) => path.basename(f))).toEqual([]);
  });

  it('when another local user looks, then the cluster folder cannot be listed and its state and logs cannot be read', () => {
    // Only search (x) may remain for others: root's nginx workers run as nobody and its
    // PostgreSQL as postgres, and each must reach its own folder below.
    expect(modeOf(cluster.clusterDir) & 0o066).toBe(0);
    expect(modeOf(path.join(cluster.clusterDir, 'logs'))).toBe(0o700);
    expect(modeOf(path.join(cluster.clusterDir, 'state.json'))).toBe(0o600);
    // PostgreSQL's folder is its own user's, inside the cluster folder (no fallback to /tmp).
    const postgres = statSync(path.join(cluster.clusterDir, 'postgres', 'data', 'PG_VERSION'));
    expect(modeOf(path.join(cluster.clusterDir, 'postgres'))).toBe(0o700);
    expect(statSync(path.join(cluster.clusterDir, 'postgres')).uid).toBe(postgres.uid);
    const logs = filesUnder(path.join(cluster.clusterDir, 'logs'));
    expect(logs.length).toBeGreaterThan(5);
    expect(logs.filter((f) => modeOf(f) !== 0o600).map((f) => `${path.basename(f)} ${modeOf(f).toString(8)}`)).toEqual([]);
  });
});

describe('the services behind the cluster', () => {
  it('when a client reaches the private Redis without its password, then Redis refuses every command', async () => {
    expect(await redisUnauthenticated(Number(cluster.env.REDIS_PORT), 'PING')).toMatch(/^-NOAUTH/);
    expect(await redisUnauthenticated(Number(cluster.env.REDIS_PORT), 'KEYS *')).toMatch(/^-NOAUTH/);
  });

  it('when a client reaches the private PostgreSQL as its superuser without a password, then it is refused', async () => {
    const pg = new Pg({ host: '127.0.0.1', port: Number(cluster.env.POSTGRES_PORT), user: 'postgres', database: 'statelab', connectionTimeoutMillis: 5_000 });
    await expect(pg.connect()).rejects.toThrow(/password/i);
    await pg.end().catch(() => undefined);
    const withPassword = new Pg({ connectionString: serviceUrls(clusterState(cluster)).database });
    await withPassword.connect();
    expect((await withPassword.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await withPassword.end();
  });

  it('when Redis has written its append-only file, then neither the file nor its folder is readable by others', () => {
    const redisDir = path.join(cluster.clusterDir, 'redis');
    expect(modeOf(redisDir) & 0o077).toBe(0);
    const aof = filesUnder(path.join(redisDir, 'appendonlydir'));
    expect(aof.length).toBeGreaterThan(0);
    expect(aof.filter((f) => (modeOf(f) & 0o077) !== 0).map((f) => `${path.basename(f)} ${modeOf(f).toString(8)}`)).toEqual([]);
  });

  it('when any process of the cluster is listed by ps, then no password or secret is on its command line', () => {
    const state = clusterState(cluster);
    const secrets = [...Object.values(state.secrets ?? {}), state.appEnv?.SESSION_SECRET, state.appEnv?.JWT_KEYS, state.lab?.token].filter((s): s is string => Boolean(s));
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const pidDir = path.join(cluster.clusterDir, 'pids');
    const leaks: string[] = [];
    let seen = 0;
    for (const file of readdirSync(pidDir)) {
      const pid = readFileSync(path.join(pidDir, file), 'utf8').split('\n')[0]!.trim();
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        continue;
      }
      seen += 1;
      for (const secret of secrets) if (cmdline.includes(secret)) leaks.push(`${file}: ${cmdline.slice(0, 120)}`);
    }
    expect(seen).toBeGreaterThanOrEqual(cluster.replicas.length + 3);
    expect(leaks).toEqual([]);
  });

  it('when Prometheus is reached, then it listens on 127.0.0.1 only and its lifecycle API (/-/reload, /-/quit) is off', async () => {
    expect(listeningAddresses(Number(cluster.env.PROMETHEUS_PORT))).toEqual(['127.0.0.1']);
    // /-/reload, not /-/quit: on a cluster where the API is on, quit would stop the test's Prometheus.
    const reload = await fetch(`${cluster.prometheusUrl}/-/reload`, { method: 'POST' });
    await reload.arrayBuffer();
    expect(reload.status).toBe(403);
  });

  it('when Redis fills up, then it refuses writes (maxmemory, noeviction): it never evicts a session silently', async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(serviceUrls(clusterState(cluster)).redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const [, maxmemory] = (await redis.config('GET', 'maxmemory')) as [string, string];
      const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
      expect(Number(maxmemory)).toBeGreaterThan(0);
      expect(policy).toBe('noeviction');
    } finally {
      redis.disconnect();
    }
  });
});

describe('what nginx keeps to itself', () => {
  it.each([
    '/metrics',
    '/rr/metrics',
    '/sticky/metrics',
    '/rr/METRICS',
    '/sticky/Metrics/',
    '/rr//metrics',
    '/rr/./metrics',
    '/rr/api/../metrics',
    '/rr/%6detrics',
    '/sticky/metrics?format=prometheus',
  ])('when %s is asked for through nginx, then nginx answers 404 itself and no replica\'s metrics leave', async (target) => {
    const reply = await sendRaw(Number(new URL(cluster.nginxUrl).port), [`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(reply.body).not.toContain('http_requests_total');
    expect(reply.headers['x-instance-id']).toBeUndefined();
  });
});

describe('idempotency keys and other clients', () => {
  it('when client B replays the Idempotency-Key client A created a session with, then B gets a session of its own, never A\'s cookie', async () => {
    const key = '3f0c2a9e-19b5-4c1e-9a7d-5e2b8c1d0f19';
    const a = await client('127.0.5.1').request('POST', '/api/v1/stateful/sessions', { headers: { 'idempotency-key': key } });
    const b = await client('127.0.9.1').request('POST', '/api/v1/stateful/sessions', { headers: { 'idempotency-key': key } });
    const again = await client('127.0.5.1').request('POST', '/api/v1/stateful/sessions', { headers: { 'idempotency-key': key } });
    expect([a.status, b.status, again.status]).toEqual([201, 201, 201]);
    expect([b.headers['idempotent-replayed'], again.headers['idempotent-replayed']]).toEqual([undefined, undefined]);
    expect(new Set([a.cookie, b.cookie, again.cookie]).size).toBe(3);
    expect(new Set([a.json.sessionId, b.json.sessionId, again.json.sessionId]).size).toBe(3);
  });
});

describe('anonymous writes', () => {
  it('when one address creates sessions without end, then past the per-address limit it gets 429 while another address is still served', async () => {
    const flooder = client('127.0.190.1');
    const created: { cookie: string; id: string }[] = [];
    const statuses: number[] = [];
    const create = async (): Promise<void> => {
      // Each one anonymous: a request carrying a session would replace that session instead.
      flooder.cookie = undefined;
      const reply = await flooder.request('POST', '/api/v1/stateful/sessions');
      statuses.push(reply.status);
      if (reply.status === 201) created.push({ cookie: reply.cookie!, id: String(reply.json.sessionId) });
    };
    // The default limit (SESSION_CREATE_MAX, 600 a minute) plus one, eight at a time.
    for (let sent = 0; sent < 601; sent += 8) await Promise.all(Array.from({ length: Math.min(8, 601 - sent) }, create));
    try {
      expect(statuses.filter((s) => s === 201)).toHaveLength(600);
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
      const limited = await flooder.request('POST', '/api/v1/local/sessions');
      expect(limited.status).toBe(429);
      expect((limited.json.error as { code: string }).code).toBe('RATE_LIMITED');
      expect((await client('127.0.191.1').request('POST', '/api/v1/stateful/sessions')).status).toBe(201);
    } finally {
      // 600 sessions would otherwise sit in Redis for a day and in every later SCAN.
      for (const s of created) {
        flooder.cookie = s.cookie;
        await flooder.request('DELETE', `/api/v1/stateful/sessions/${s.id}`);
      }
    }
  }, 120_000);
});
