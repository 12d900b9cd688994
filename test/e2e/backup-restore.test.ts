// `npm run cluster -- backup` and `restore`: a round trip through a backup loses no user,
// product, message or session. Data is created (users and products straight into PostgreSQL —
// no route creates them —, sessions and messages through nginx), backed up, then mutated and
// deleted, and the restore must bring back exactly what the backup held.
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as Pg } from 'pg';
import type { SimulatedClient } from '../../cluster/simulated-client';
import { requireClusterState, serviceUrls } from '../../cluster/state';
import { testClient, clusterCommand, e2eCluster, untilEveryReplicaServes, type E2eCluster } from '../support/e2e-cluster';

const SESSIONS = 20;

let cluster: E2eCluster;
let client: SimulatedClient;
let pg: Pg;
let backupDir: string;
const sessions: { cookie: string; id: string }[] = [];

beforeAll(async () => {
  cluster = e2eCluster();
  client = testClient(cluster.nginxUrl);
  pg = new Pg({ connectionString: serviceUrls(requireClusterState(cluster.clusterDir)).database });
  await pg.connect();
  backupDir = mkdtempSync(path.join(os.tmpdir(), 'statelab-backup-'));
});

afterAll(async () => {
  for (const s of sessions) {
    client.cookie = s.cookie;
    await client.request('DELETE', `/api/v1/stateful/sessions/${s.id}`);
  }
  client.close();
  await pg.query(`DELETE FROM products WHERE sku LIKE 'BK-%'`);
  await pg.query(`DELETE FROM users WHERE email LIKE 'backup-%@example.test' OR email LIKE 'after-%@example.test'`);
  await pg.end();
  rmSync(backupDir, { recursive: true, force: true });
});

async function ids(table: string): Promise<string[]> {
  return (await pg.query(`SELECT id::text FROM ${table} ORDER BY id`)).rows.map((r: { id: string }) => r.id);
}

async function sessionStatus(cookie: string): Promise<number> {
  client.cookie = cookie;
  return (await client.get('/api/v1/stateful/sessions/current')).status;
}

describe('backup and restore of a running cluster', () => {
  it('when data is backed up, then changed and deleted, and restored, then every user, product, message and session is back', async () => {
    const tag = Date.now().toString(36);
    await pg.query(`INSERT INTO users (email, name) SELECT 'backup-' || g || '-${tag}@example.test', 'Backup ' || g FROM generate_series(1, 3) g`);
    await pg.query(
      `INSERT INTO products (sku, name, description, price_cents, stock) SELECT 'BK-${tag}-' || g, 'Backup ' || g, 'restored?', 100 * g, g FROM generate_series(1, 3) g`,
    );
    for (let i = 0; i < SESSIONS; i++) {
      client.cookie = undefined;
      const created = await client.request('POST', '/api/v1/stateful/sessions');
      expect(created.status).toBe(201);
      const message = await client.request('POST', '/api/v1/stateful/conversations', { body: { text: `message ${i}` } });
      expect(message.status).toBe(201);
      sessions.push({ cookie: created.cookie!, id: String(created.json.sessionId) });
    }
    const before = { users: await ids('users'), products: await ids('products'), messages: await ids('messages') };

    clusterCommand(cluster, ['backup', backupDir]);
    const manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as { counts: Record<string, number> };
    expect(manifest.counts).toMatchObject({ users: before.users.length, products: before.products.length, messages: before.messages.length });
    expect(manifest.counts.sessions).toBeGreaterThanOrEqual(SESSIONS);

    // The accident: rows deleted, one row added, every session of ours logged out.
    await pg.query(`DELETE FROM messages`);
    await pg.query(`DELETE FROM products WHERE sku LIKE 'BK-${tag}-%'`);
    await pg.query(`DELETE FROM users WHERE email LIKE 'backup-1-${tag}%'`);
    await pg.query(`INSERT INTO users (email, name) VALUES ('after-${tag}@example.test', 'After the backup')`);
    for (const s of sessions) {
      client.cookie = s.cookie;
      expect((await client.request('DELETE', `/api/v1/stateful/sessions/${s.id}`)).status).toBe(204);
    }
    expect(await sessionStatus(sessions[0]!.cookie)).toBe(401);

    const out = clusterCommand(cluster, ['restore', backupDir]);
    expect(out).toMatch(/restored/);

    expect(await ids('users')).toEqual(before.users);
    expect(await ids('products')).toEqual(before.products);
    expect(await ids('messages')).toEqual(before.messages);
    // The replicas reconnect to the restarted Redis by themselves.
    const deadline = Date.now() + 15_000;
    while ((await sessionStatus(sessions[0]!.cookie)) === 503 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const statuses = [];
    for (const s of sessions) statuses.push(await sessionStatus(s.cookie));
    expect(statuses).toEqual(sessions.map(() => 200));
    process.stderr.write(
      `[backup round trip] users ${before.users.length}, products ${before.products.length}, messages ${before.messages.length}, ` +
        `sessions ${statuses.length}/${SESSIONS} back; manifest ${JSON.stringify(manifest.counts)}\n`,
    );
  }, 90_000);

  it('when a backup\'s snapshot is missing or corrupt, or its dump is, then restore refuses before touching anything: the live data stays', async () => {
    const tag = `keep-${Date.now().toString(36)}`;
    const good = path.join(backupDir, 'for-broken-copies');
    clusterCommand(cluster, ['backup', good]);
    // Written after the backup: a restore that went ahead would remove both.
    await pg.query(`INSERT INTO users (email, name) VALUES ('after-${tag}@example.test', 'Must survive')`);
    client.cookie = undefined;
    const live = await client.request('POST', '/api/v1/stateful/sessions');
    expect(live.status).toBe(201);
    sessions.push({ cookie: live.cookie!, id: String(live.json.sessionId) });

    const broken: [string, (dir: string) => void, RegExp][] = [
      ['no Redis snapshot', (dir) => rmSync(path.join(dir, 'redis.rdb')), /redis\.rdb/],
      ['a corrupt Redis snapshot', (dir) => writeFileSync(path.join(dir, 'redis.rdb'), Buffer.concat([Buffer.from('REDIS0010'), Buffer.alloc(4096, 0x5a)])), /redis\.rdb/],
      ['a truncated Redis snapshot', (dir) => truncateSync(path.join(dir, 'redis.rdb'), 40), /redis\.rdb/],
      ['no PostgreSQL dump', (dir) => rmSync(path.join(dir, 'postgres.dump')), /postgres\.dump/],
      ['a corrupt PostgreSQL dump', (dir) => writeFileSync(path.join(dir, 'postgres.dump'), 'PGDMP but not really'), /postgres\.dump/],
    ];
    for (const [what, breakIt, names] of broken) {
      const dir = path.join(backupDir, what.replaceAll(' ', '-'));
      cpSync(good, dir, { recursive: true });
      breakIt(dir);
      let failure = '';
      try {
        clusterCommand(cluster, ['restore', dir]);
      } catch (error) {
        failure = String((error as { stderr?: string }).stderr ?? error);
      }
      const kept = await pg.query(`SELECT count(*)::int AS n FROM users WHERE email = 'after-${tag}@example.test'`);
      expect({ what, kept: kept.rows[0].n }).toEqual({ what, kept: 1 });
      expect({ what, session: await sessionStatus(live.cookie!) }).toEqual({ what, session: 200 });
      expect({ what, failure }).toEqual({ what, failure: expect.stringMatching(names) });
      expect({ what, failure }).toEqual({ what, failure: expect.stringMatching(/nothing was restored/) });
    }
    await untilEveryReplicaServes(cluster);
  }, 120_000);
});
