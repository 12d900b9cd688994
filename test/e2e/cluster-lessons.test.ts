// The lessons of the cluster, proved through real nginx in front of three real replicas started
// by the launcher (see test/support/e2e-setup.ts). Distinct clients are simulated by binding
// local addresses 127.0.N.1: Linux routes all of 127/8 to loopback, and ip_hash keys on the
// first three octets. One file on purpose: the failure lessons stop replicas, so they must run
// after the lessons that need all three.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { testClient, clusterCommand, e2eCluster, statusTable, tally, untilEveryReplicaServes, type E2eCluster } from '../support/e2e-cluster';
import type { SimulatedClient } from '../../cluster/simulated-client';
import { requireClusterState } from '../../cluster/state';

let cluster: E2eCluster;
const clients: SimulatedClient[] = [];

/** A client posing as a different /24 (127.0.N.1), closed after all tests. */
function client(n = 0): SimulatedClient {
  const c = testClient(cluster.nginxUrl, n === 0 ? '127.0.0.1' : `127.0.${n}.1`);
  clients.push(c);
  return c;
}

/** Runs `count` calls of `fn`, `concurrency` at a time. */
async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await fn(i);
      }
    }),
  );
  return results;
}

function replicaLog(id: string): string {
  return readFileSync(path.join(cluster.clusterDir, 'logs', `${id}.log`), 'utf8');
}

async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

/**
 * The replica that ip_hash gives to 127.0.0.1. Other e2e files (dashboard queries, bench smoke)
 * run in parallel from 127.0.0.1 and keep local-memory sessions there, so the failure lessons
 * never stop this one.
 */
async function homeReplica(): Promise<string> {
  return (await client().get('/api/v1/stateful/sessions/current')).replica ?? '';
}

/** Stops a replica with the launcher, runs `fn`, and always starts the replica again. */
async function withReplicaStopped(id: string, fn: () => Promise<void>): Promise<void> {
  clusterCommand(cluster, ['stop', id]);
  try {
    await fn();
  } finally {
    clusterCommand(cluster, ['start', id]);
    // nginx keeps the stopped replica out of rotation for fail_timeout: wait it out, so the next
    // test (or file) meets all replicas serving.
    await untilEveryReplicaServes(cluster);
  }
}

beforeAll(() => {
  cluster = e2eCluster();
});

afterAll(() => {
  for (const c of clients) c.close();
});

describe('headers added by nginx', () => {
  it('when a stateless route is called, then the reply names the upstream, the policy and a generated request id', async () => {
    const reply = await client().get('/api/v1/stateless/info');
    expect(reply.status).toBe(200);
    expect(reply.headers['x-lb-policy']).toBe('least_conn');
    const port = cluster.replicas.find((r) => r.id === reply.replica)?.port;
    expect(reply.headers['x-upstream']).toBe(`127.0.0.1:${port}`);
    expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });

  it('when the client sends X-Request-Id, then the replica receives it and the reply echoes it once', async () => {
    const id = `e2e-${Date.now()}-${Math.random().toString(16).slice(2)}`;
    const reply = await client().get('/api/v1/stateless/info', { 'x-request-id': id });
    expect(reply.headers['x-request-id']).toBe(id);
    expect(await eventually(() => replicaLog(reply.replica ?? '').includes(id))).toBe(true);
  });

  it('when nginx generates the request id, then the replica logs that same id', async () => {
    const reply = await client().get('/api/v1/stateless/random?min=1&max=6&count=1');
    const id = String(reply.headers['x-request-id']);
    expect(await eventually(() => replicaLog(reply.replica ?? '').includes(id))).toBe(true);
  });

  it('when stateful, local and /rr/ routes are called, then X-LB-Policy names their upstream policy', async () => {
    const c = client();
    expect((await c.get('/api/v1/stateful/sessions/current')).headers['x-lb-policy']).toBe('ip_hash');
    expect((await c.get('/api/v1/local/sessions/current')).headers['x-lb-policy']).toBe('ip_hash');
    expect((await c.get('/rr/api/v1/stateless/info')).headers['x-lb-policy']).toBe('round_robin');
  });
});

describe('stateless routes behind least_conn', () => {
  it('when 300 requests are sent, then all replicas answer and none answers more than half', async () => {
    const c = client();
    const replies = await pool(300, 6, () => c.get('/api/v1/stateless/info'));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const counts = tally(replies.map((r) => r.replica));
    process.stdout.write(`stateless: 300 requests → ${JSON.stringify(counts)}\n`);
    expect(Object.keys(counts).sort()).toEqual(cluster.replicas.map((r) => r.id).sort());
    for (const n of Object.values(counts)) expect(n).toBeLessThanOrEqual(150);
  });
});

describe('stateful routes behind ip_hash', () => {
  it('when one client calls 30 times, then the same replica answers every time', async () => {
    const c = client(5);
    const replies = await pool(30, 3, () => c.get('/api/v1/stateful/sessions/current'));
    expect(new Set(replies.map((r) => r.replica)).size).toBe(1);
  });

  it('when 8 clients from different /24s call, then at least two replicas serve them', async () => {
    const owners: Record<string, string> = {};
    for (let n = 1; n <= 8; n += 1) {
      const c = client(n);
      const first = await c.get('/api/v1/stateful/sessions/current');
      const second = await c.get('/api/v1/stateful/sessions/current');
      expect(second.replica).toBe(first.replica);
      owners[c.address!] = first.replica ?? '';
    }
    process.stdout.write(`ip_hash: client → replica ${JSON.stringify(owners)}\n`);
    expect(new Set(Object.values(owners)).size).toBeGreaterThanOrEqual(2);
  });
});

describe('sessions without stickiness (/rr/)', () => {
  it('when a local-memory session is read through /rr/, then every other replica answers 401 NO_SESSION', async () => {
    const c = client(30);
    const created = await c.request('POST', '/rr/api/v1/local/sessions');
    expect(created.status).toBe(201);
    const reads = [];
    for (let i = 0; i < 6; i += 1) reads.push(await c.get('/rr/api/v1/local/sessions/current'));
    const elsewhere = reads.filter((r) => r.replica !== created.replica);
    expect(elsewhere.length).toBeGreaterThan(0);
    for (const r of elsewhere) {
      expect(r.status).toBe(401);
      expect((r.json.error as { code: string }).code).toBe('NO_SESSION');
    }
    for (const r of reads.filter((x) => x.replica === created.replica)) expect(r.status).toBe(200);
  });

  it('when a Redis session is read through /rr/, then every replica finds it', async () => {
    const c = client(31);
    const created = await c.request('POST', '/rr/api/v1/stateful/sessions');
    expect(created.status).toBe(201);
    const reads = [];
    for (let i = 0; i < 6; i += 1) reads.push(await c.get('/rr/api/v1/stateful/sessions/current'));
    expect(reads.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(new Set(reads.map((r) => r.json.sessionId))).toEqual(new Set([created.json.sessionId]));
    expect(new Set(reads.map((r) => r.replica)).size).toBeGreaterThanOrEqual(2);
  });
});

describe('replica processes', () => {
  it('when the launcher starts the replicas, then each runs with the heap cap and the allocator setting (docs/benchmarking.md)', () => {
    const state = requireClusterState(cluster.clusterDir);
    for (const { id } of cluster.replicas) {
      const pid = state.components.find((c) => c.name === id)?.pid;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv.slice(1)).toEqual(expect.arrayContaining(['--max-old-space-size=96', 'dist/src/server.js']));
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain('MALLOC_MMAP_THRESHOLD_=131072');
    }
  });
});

describe('a replica that dies', () => {
  it('when the replica holding a Redis session stops, then the same session is served by another replica', async () => {
    const home = await homeReplica();
    let c = client(40);
    for (let n = 41; (await c.get('/api/v1/stateful/sessions/current')).replica === home; n += 1) c = client(n);
    const created = await c.request('POST', '/api/v1/stateful/sessions');
    expect(created.status).toBe(201);
    const owner = created.replica ?? '';
    await withReplicaStopped(owner, async () => {
      const after = await c.get('/api/v1/stateful/sessions/current');
      expect(after.status).toBe(200);
      expect(after.json.sessionId).toBe(created.json.sessionId);
      expect(after.replica).not.toBe(owner);
      expect(after.replica).not.toBeNull();
    });
  }, 120_000);

  it('when a replica is stopped, then idempotent requests through nginx never fail and the others stay ready', async () => {
    const home = await homeReplica();
    const victim = cluster.replicas.map((r) => r.id).find((id) => id !== home)!;
    await withReplicaStopped(victim, async () => {
      const stateless = client();
      const statelessReplies = await pool(90, 6, () => stateless.get('/api/v1/stateless/info'));
      const statefulReplies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => client(60 + i).get('/api/v1/stateful/sessions/current')),
      );
      expect(tally(statelessReplies.map((r) => String(r.status)))).toEqual({ '200': 90 });
      expect(statelessReplies.some((r) => r.replica === victim)).toBe(false);
      // No session yet: 401 is the answer of a live replica, never a 5xx from nginx.
      expect(tally(statefulReplies.map((r) => String(r.status)))).toEqual({ '401': 12 });
      process.stdout.write(`with ${victim} stopped: ${JSON.stringify(tally(statelessReplies.map((r) => r.replica)))}\n`);
      for (const r of cluster.replicas.filter((x) => x.id !== victim)) {
        const direct = testClient(`http://127.0.0.1:${r.port}`);
        clients.push(direct);
        expect((await direct.get('/ready')).status).toBe(200);
      }
    });
  }, 120_000);

  it('when `cluster status` runs while a replica is stopped, then nginx does not bench it: it serves as soon as it is back', async () => {
    const victim = cluster.replicas[1]!.id;
    const accessLog = path.join(cluster.clusterDir, 'logs', 'nginx-access.log');
    const healthCalls = () => readFileSync(accessLog, 'utf8').split('\n').filter((line) => line.includes('"uri":"/health"')).length;
    await untilEveryReplicaServes(cluster);
    const before = healthCalls();
    clusterCommand(cluster, ['stop', victim]);
    try {
      // Three probes: round robin would hand the stopped replica one of them, were they proxied.
      for (let i = 0; i < 3; i += 1) {
        const table = statusTable({ ...process.env, ...cluster.env });
        expect(table).toMatch(/nginx\s+ready/);
        expect(table).toMatch(new RegExp(`${victim}\\s+stopped`));
      }
    } finally {
      clusterCommand(cluster, ['start', victim]);
    }
    expect(healthCalls()).toBe(before);
    const stateless = client();
    const instances: string[] = [];
    for (let i = 0; i < 9; i += 1) instances.push((await stateless.get('/api/v1/stateless/info')).replica ?? '');
    expect(instances).toContain(victim);
  }, 120_000);
});
