// Three lessons of state and the admin API, proved through real nginx in front of three real
// replicas (test/support/e2e-setup.ts). Simulated clients bind 127.0.150.1 and up, so each is a
// different client to ip_hash and to the per-address rate limits, and none meets another file's.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { testClient, e2eCluster, repoRoot, tally, untilEveryReplicaServes, type E2eCluster } from '../support/e2e-cluster';
import type { Exchange as Reply, SimulatedClient } from '../../cluster/simulated-client';
import { requireClusterState, serviceUrls } from '../../cluster/state';
import { seedPassword } from '../../src/boot/seed';

let cluster: E2eCluster;
const clients: SimulatedClient[] = [];

function client(n: number): SimulatedClient {
  const c = testClient(cluster.nginxUrl, `127.0.${n}.1`);
  clients.push(c);
  return c;
}

// Start from a cluster where nginx sends every replica traffic, as a student's would: the files
// before this one kill and restart replicas, and nginx benches a replica it saw fail for its
// fail_timeout. The lessons below need answers from every replica.
beforeAll(async () => {
  cluster = e2eCluster();
  await untilEveryReplicaServes(cluster);
}, 60_000);

afterAll(() => {
  for (const c of clients) c.close();
});

/**
 * Sends `send()` until every replica has answered at least once (least_conn spreads sequential
 * requests over all of them); returns the replies. Bounded: a replica that never answers fails.
 */
async function fromEveryReplica(send: () => Promise<Reply>): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = 0; i < 30 && new Set(replies.map((r) => r.replica)).size < cluster.replicas.length; i++) {
    replies.push(await send());
  }
  expect(new Set(replies.map((r) => r.replica)).size).toBe(cluster.replicas.length);
  return replies;
}

/** Replica instance → set of statuses it gave. */
function statusesByReplica(replies: Reply[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const r of replies) (out[r.replica ?? ''] ??= []).push(r.status);
  return out;
}

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

/** Requests to `route` counted by every replica's own /metrics, summed over replicas. */
async function replicaRequests(route: string): Promise<number> {
  let sum = 0;
  for (const { port } of cluster.replicas) {
    for (const line of (await scrape(port)).split('\n')) {
      if (line.startsWith('http_requests_total{') && line.includes(`route="${route}"`)) sum += Number(line.split(' ').pop());
    }
  }
  return sum;
}

describe('lesson: logging out — server sessions vs stateless tokens', () => {
  const login = { email: 'ada@statelab.test', password: seedPassword('ada@statelab.test') };

  it('when a token is revoked on one replica, then the others still accept it; with the denylist none does', async () => {
    const c = client(150);
    const issued = await c.request('POST', '/api/v1/auth/login', { body: { ...login, mode: 'token' } });
    expect(issued.status).toBe(201);
    const auth = { authorization: `Bearer ${String(issued.json.token)}` };

    const before = await fromEveryReplica(() => c.get('/api/v1/auth/me', auth));
    expect(before.every((r) => r.status === 200 && r.json.via === 'token')).toBe(true);

    const logout = await c.request('POST', '/api/v1/auth/logout', { headers: auth });
    expect(logout.status).toBe(204);
    const revokedOn = logout.replica;

    // Without the denylist: signature and expiry are all a replica checks, so every replica —
    // including the one that just handled the logout — still says 200.
    const without = await fromEveryReplica(() => c.get('/api/v1/auth/me', auth));
    const accepted = new Set(without.filter((r) => r.status === 200).map((r) => r.replica));
    expect(without.every((r) => r.status === 200)).toBe(true);
    expect([...accepted].filter((id) => id !== revokedOn)).toHaveLength(cluster.replicas.length - 1);

    // With the denylist: one shared Redis read per request, and every replica refuses it.
    const withList = await fromEveryReplica(() => c.get('/api/v1/auth/me?denylist=on', auth));
    expect(withList.every((r) => r.status === 401 && (r.json.error as { code: string }).code === 'TOKEN_REVOKED')).toBe(true);
    // The switch only ever turns the check on: no client may ask a replica to skip revocation.
    const skip = await fromEveryReplica(() => c.get('/api/v1/auth/me?denylist=off', auth));
    expect(skip.every((r) => r.status === 403 && (r.json.error as { code: string }).code === 'LAB_SWITCH_DISABLED')).toBe(true);
    process.stderr.write(
      `[lesson 1] token revoked on ${revokedOn}: accepted by ${accepted.size} of ${cluster.replicas.length} replicas without the denylist, ` +
        `${withList.filter((r) => r.status === 200).length} of ${withList.length} replies accepted with it\n`,
    );
  });

  it('when a server session is logged out on one replica, then every replica refuses it at once', async () => {
    const c = client(151);
    const created = await c.request('POST', '/api/v1/auth/login', { body: { ...login, mode: 'session' } });
    expect(created.status).toBe(201);
    expect(c.cookie).toMatch(/^statelab\.login=/);

    const before = await fromEveryReplica(() => c.get('/api/v1/auth/me'));
    expect(before.every((r) => r.status === 200 && r.json.via === 'session')).toBe(true);

    const cookie = c.cookie!;
    const logout = await c.request('POST', '/api/v1/auth/logout');
    expect(logout.status).toBe(204);
    c.cookie = cookie; // a client that ignores the cleared cookie, as an attacker with a copy would

    const after = await fromEveryReplica(() => c.get('/api/v1/auth/me'));
    expect(statusesByReplica(after)).toEqual(Object.fromEntries(cluster.replicas.map((r) => [r.id, expect.arrayContaining([401])])));
    expect(after.every((r) => r.status === 401 && (r.json.error as { code: string }).code === 'NOT_AUTHENTICATED')).toBe(true);
  });

  it('when the password is wrong, then 401 INVALID_CREDENTIALS in the JSON error shape', async () => {
    const reply = await client(152).request('POST', '/api/v1/auth/login', { body: { email: login.email, password: 'nope', mode: 'token' } });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: expect.any(String) } });
  });
});

describe('lesson: rate limits — per replica vs shared', () => {
  async function burst(c: SimulatedClient, urlPath: string, count: number) {
    const replies: Reply[] = [];
    for (let i = 0; i < count; i++) replies.push(await c.get(urlPath));
    const allowed = replies.filter((r) => r.status === 200);
    return { replies, allowed: allowed.length, limit: Number(replies[0]!.json.limit), byReplica: tally(allowed.map((r) => r.replica)) };
  }

  it('when one client sends 3× the limit through least_conn, then the memory store lets more than the limit through', async () => {
    const run = await burst(client(160), '/api/v1/limits/memory', 30);
    expect(run.limit).toBe(10);
    // Each replica counts alone: the client gets up to replicas × limit.
    expect(run.allowed).toBeGreaterThan(run.limit);
    expect(run.allowed).toBeLessThanOrEqual(run.limit * cluster.replicas.length);
    for (const n of Object.values(run.byReplica)) expect(n).toBeLessThanOrEqual(run.limit);
    process.stderr.write(`[lesson 2] memory store, least_conn: ${run.allowed} of 30 allowed with limit ${run.limit} on ${cluster.replicas.length} replicas ${JSON.stringify(run.byReplica)}\n`);
  });

  it('when the same client pattern hits the Redis store, then exactly the limit gets through, with RateLimit headers and JSON 429s', async () => {
    const run = await burst(client(161), '/api/v1/limits/redis', 30);
    expect(run.allowed).toBe(run.limit);
    expect(Object.keys(run.byReplica).length).toBeGreaterThan(1); // spread over replicas, yet counted once
    const first = run.replies[0]!;
    // draft-8 fields; pk is a hash of the client's key (its address), so it is not checked.
    expect(first.headers['ratelimit-policy']).toMatch(/^"10-per-60"; q=10; w=60(; pk=:[\w+/=]+:)?$/);
    expect(first.headers.ratelimit).toMatch(/^"10-per-60"; r=9; t=\d+(; pk=:[\w+/=]+:)?$/);
    const refused = run.replies[run.limit]!;
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.json).toMatchObject({ error: { code: 'RATE_LIMITED', details: { limit: 10, store: 'redis' } } });
    process.stderr.write(`[lesson 2] redis store, least_conn: ${run.allowed} of 30 allowed with limit ${run.limit} ${JSON.stringify(run.byReplica)}\n`);
  });

  it('when the memory store is reached through ip_hash (/sticky/), then one replica counts everything and the drift disappears', async () => {
    const run = await burst(client(162), '/sticky/api/v1/limits/memory', 30);
    expect(run.allowed).toBe(run.limit);
    expect(new Set(run.replies.map((r) => r.replica)).size).toBe(1);
    expect(run.replies[0]!.headers['x-lb-policy']).toBe('ip_hash');
    process.stderr.write(`[lesson 2] memory store, ip_hash: ${run.allowed} of 30 allowed with limit ${run.limit}\n`);
  });
});

describe('lesson: stateless responses can be cached at the edge', () => {
  const route = '/api/v1/stateless/products';

  it('when the catalogue is asked for 20 times within its max-age, then one request reaches a replica and 19 are nginx cache hits', async () => {
    const c = client(170);
    const url = `${route}?limit=5&run=${Date.now()}`; // a cache key no earlier run has filled
    const before = await replicaRequests(route);
    const replies: Reply[] = [];
    for (let i = 0; i < 20; i++) replies.push(await c.get(url));
    const after = await replicaRequests(route);

    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(replies[0]!.headers['x-cache-status']).toBe('MISS');
    expect(tally(replies.slice(1).map((r) => String(r.headers['x-cache-status'])))).toEqual({ HIT: 19 });
    expect(replies[0]!.headers['cache-control']).toBe('public, max-age=5');
    expect(after - before).toBe(1);
    process.stderr.write(`[lesson 3] 20 requests, replicas counted ${after - before} (${19} cache hits)\n`);
  });

  it('when the cache is bypassed with ?nocache=1, then every request reaches a replica', async () => {
    const c = client(171);
    const before = await replicaRequests(route);
    const replies: Reply[] = [];
    for (let i = 0; i < 5; i++) replies.push(await c.get(`${route}?limit=5&nocache=1`));
    expect(replies.map((r) => r.headers['x-cache-status'])).toEqual(Array(5).fill('BYPASS'));
    expect((await replicaRequests(route)) - before).toBe(5);
  });

  it('when a stateful route answers (and sets a cookie), then it says private, no-store and nginx does not cache it', async () => {
    const c = client(172);
    const created = await c.request('POST', '/api/v1/stateful/sessions');
    expect(created.status).toBe(201);
    expect(created.headers['set-cookie']).toBeDefined();
    expect(created.headers['cache-control']).toBe('private, no-store');
    expect(created.headers['x-cache-status']).toBeUndefined();
    const login = await c.request('POST', '/api/v1/auth/login', {
      body: { email: 'alan@statelab.test', password: seedPassword('alan@statelab.test'), mode: 'session' },
    });
    expect(login.headers['cache-control']).toBe('private, no-store');
    const reads = [await c.get('/api/v1/stateful/sessions/current'), await c.get('/api/v1/stateful/sessions/current')];
    expect(reads.map((r) => r.headers['cache-control'])).toEqual(['private, no-store', 'private, no-store']);
    expect(reads.map((r) => r.headers['x-cache-status'])).toEqual([undefined, undefined]);
  });
});

describe('the admin API (API keys, audit log)', () => {
  function adminCli(args: string[]): string {
    return execFileSync(process.execPath, ['--import', 'tsx', 'src/features/admin/admin-cli.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: serviceUrls(requireClusterState(cluster.clusterDir)).database },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    }).trim();
  }

  let readKey: string;
  let writeKey: string;
  beforeAll(() => {
    readKey = adminCli(['key', 'create', '--scope', 'read', '--label', 'e2e read']);
    writeKey = adminCli(['key', 'create', '--scope', 'write', '--label', 'e2e write']);
  });

  it('when the instructor revokes a student\'s session, then the student\'s next request is 401 on every replica', async () => {
    const student = client(180);
    const login = await student.request('POST', '/api/v1/auth/login', {
      body: { email: 'grace@statelab.test', password: seedPassword('grace@statelab.test'), mode: 'session' },
    });
    const handle = String(login.json.sessionHandle);
    expect(handle).toMatch(/^[0-9a-f]{16}$/);
    const credential = student.cookie!.slice('statelab.login='.length);
    const admin = client(181);

    // Page through every live session with SCAN cursors until the student's shows up. SCAN walks
    // the whole keyspace (other e2e files leave idempotency records and lab sessions), so the
    // walk ends when the cursor does, not after a fixed number of pages.
    const seen: string[] = [];
    let cursor = '0';
    for (let page = 0; page < 5_000 && !seen.includes(handle); page++) {
      const reply = await admin.get(`/api/v1/admin/sessions?cursor=${cursor}&count=20`, { 'x-api-key': readKey });
      expect(reply.status).toBe(200);
      expect(JSON.stringify(reply.json)).not.toContain(credential);
      seen.push(...(reply.json.items as { handle: string }[]).map((s) => s.handle));
      if (reply.json.nextCursor === null) break;
      cursor = String(reply.json.nextCursor);
    }
    expect(seen).toContain(handle);

    const inspected = await admin.get(`/api/v1/admin/sessions/${handle}`, { 'x-api-key': readKey });
    expect(inspected.json.session).toMatchObject({ handle, email: 'grace@statelab.test' });

    const forbidden = await admin.request('DELETE', `/api/v1/admin/sessions/${handle}`, { headers: { 'x-api-key': readKey } });
    expect(forbidden.status).toBe(403);
    expect((forbidden.json.error as { code: string }).code).toBe('API_KEY_SCOPE');

    const revoked = await admin.request('DELETE', `/api/v1/admin/sessions/${handle}`, { headers: { 'x-api-key': writeKey } });
    expect(revoked.status).toBe(204);
    const after = await fromEveryReplica(() => student.get('/api/v1/auth/me'));
    expect(after.every((r) => r.status === 401)).toBe(true);

    // The audit log, newest first, tells the story: who, what, which replica.
    const audit = await admin.get('/api/v1/admin/audit?limit=10', { 'x-api-key': readKey });
    const items = audit.json.items as { action: string; actor: string; target: string | null; instance: string }[];
    const revokeRow = items.find((i) => i.action === 'ADMIN_SESSION_REVOKED' && i.target === handle);
    expect(revokeRow).toMatchObject({ actor: `key:${writeKey.slice(4, 16)}`, instance: revoked.replica });
    expect(items.some((i) => i.action === 'ADMIN_SCOPE_DENIED' && i.actor === `key:${readKey.slice(4, 16)}`)).toBe(true);
    // The credential itself went nowhere a log keeps: not the audit log, not nginx's access log.
    expect(JSON.stringify(audit.json)).not.toContain(credential);
    expect(readFileSync(path.join(cluster.clusterDir, 'logs', 'nginx-access.log'), 'utf8')).not.toContain(credential);
  });

  it('when a bad key is tried repeatedly, then 401s are audited until the failure limit, then 429', async () => {
    const guesser = client(182);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await guesser.get('/api/v1/admin/sessions', { 'x-api-key': `slk_000000000000_${'x'.repeat(43)}` })).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    const audit = await client(181).get('/api/v1/admin/audit?limit=50', { 'x-api-key': readKey });
    const failures = (audit.json.items as { action: string; actor: string }[]).filter((i) => i.action === 'ADMIN_AUTH_FAILED' && i.actor === 'ip:127.0.182.1');
    expect(failures).toHaveLength(10);
  });
});
