// Worksheet 12 in a real Chromium through nginx: the student logs the virtual students in, lists
// their logins with the lab's read key, revokes one and reads the audit log, pressing the Admin API
// panel's buttons from the keyboard. What the page shows is held against the cluster itself:
// PostgreSQL's api_keys and audit_log tables and Redis's login keys, read by this test directly.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { serviceUrls } from '../../cluster/state';
import { clusterState, labCheck, type E2eCluster } from '../support/e2e-cluster';
import { closeLesson, openLesson, press, seriousAxeViolations, until, untilEveryStepPasses, type LabPage } from '../support/lab-page';

jest.setTimeout(180_000);

let cluster: E2eCluster;
let lab: LabPage;
let pg: Pool;
let redis: Redis;
let prefix: string;

/** A login cookie's value or an API key, anywhere in a text: what must never reach a page. */
const CREDENTIAL = /[0-9a-f]{16}\.[A-Za-z0-9_-]{43}|slk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;

beforeAll(async () => {
  ({ cluster, lab } = await openLesson(12));
  const state = clusterState(cluster);
  pg = new Pool({ connectionString: serviceUrls(state).database, max: 2 });
  redis = new Redis(serviceUrls(state).redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  prefix = `${state.appEnv?.REDIS_KEY_PREFIX ?? 'statelab:'}login:`;
}, 120_000);

afterAll(async () => {
  await closeLesson(lab, cluster, 12, { panel: '#panel-admin' });
  await pg?.end();
  redis?.disconnect();
});

interface AuditRow {
  id: string;
  action: string;
  actor: string | null;
  target: string | null;
  instance: string;
}

async function auditRows(where: string, params: unknown[], limit = 10_000): Promise<AuditRow[]> {
  const { rows } = await pg.query<AuditRow>(`SELECT id::text AS id, action::text AS action, actor, target, instance FROM audit_log WHERE ${where} ORDER BY audit_log.id DESC LIMIT ${limit}`, params);
  return rows;
}

/** Every login handle in Redis, walked with SCAN as the admin API does. */
async function handlesInRedis(): Promise<Set<string>> {
  const handles = new Set<string>();
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) for (const k of keys) handles.add(k.slice(prefix.length));
  return handles;
}

const attr = (selector: string, name: string) => lab.page.locator(selector).first().getAttribute(name);

/** Neither the page nor what any page can read without the token (GET /lab/api/state) holds a credential. */
async function expectNoCredentialShown(): Promise<void> {
  expect(await lab.page.content()).not.toMatch(CREDENTIAL);
  expect(await (await fetch(`${cluster.nginxUrl}/lab/api/state`)).text()).not.toMatch(CREDENTIAL);
}

const figures: Record<string, unknown> = {};
let handles: { client: string; handle: string }[] = [];
let keys: { read: string; write: string };

describe('worksheet 12 — the admin API — in the lab page', () => {
  test('when nothing was done yet, then `npm run lab -- check 12` fails', () => {
    const before = labCheck(cluster, 12);
    expect(before.code).not.toBe(0);
    expect(before.output).toContain('Lab 12 not yet');
  });

  test('when the students log in, then the page shows each login\'s handle and PostgreSQL\'s audit log has a LOGIN row for each', async () => {
    const started = new Date();
    await press(lab.page.locator('#admin-login'));
    await until('five logins on the page', async () => (await lab.page.locator('#admin-logins-table tbody tr[data-status="201"]').count()) === 5);
    handles = await lab.page.locator('#admin-logins-table tbody tr').evaluateAll((rows) => rows.map((r) => ({ client: r.getAttribute('data-client')!, handle: r.getAttribute('data-handle')! })));
    for (const { handle } of handles) expect(handle).toMatch(/^[0-9a-f]{16}$/);
    const logins = await auditRows(`action = 'LOGIN' AND at >= $1 AND target = ANY($2)`, [started, handles.map((h) => h.handle)]);
    expect(new Set(logins.map((r) => r.target))).toEqual(new Set(handles.map((h) => h.handle)));
    expect(logins.every((r) => r.actor?.startsWith('user:') && r.actor.endsWith('@statelab.test'))).toBe(true);
    const inRedis = await handlesInRedis();
    for (const { handle } of handles) expect(inRedis.has(handle)).toBe(true);
    await expectNoCredentialShown();
  });

  test('when the sessions are listed, then the page walks every SCAN page with the lab\'s read key, one audit row each, and lists every login Redis holds', async () => {
    const started = new Date();
    // A key an earlier lab left behind (its process is gone; nobody holds the secret): the lab revokes it when it makes its own.
    const stale = randomBytes(6).toString('hex');
    await pg.query(`INSERT INTO api_keys (id, secret_hash, scope, label) VALUES ($1, $2, 'write', 'lab controller pid 1, left by an earlier lab')`, [stale, randomBytes(32).toString('hex')]);
    // COUNT as a student would choose it: small enough for several pages on a fresh test cluster's
    // few keys, large enough to walk what earlier e2e files left in about 50 pages (the walk stops at 300).
    const count = Math.min(500, Math.max(5, Math.ceil((await redis.dbsize()) / 50)));
    await lab.page.locator('#admin-count').fill(String(count));
    await press(lab.page.locator('#admin-walk'));
    await until('the walk on the page', async () => (await attr('#admin-walk-summary', 'data-complete')) === 'true');
    keys = { read: (await attr('#admin-keys', 'data-read'))!, write: (await attr('#admin-keys', 'data-write'))! };
    expect(keys.read).toMatch(/^[0-9a-f]{12}$/);
    // The lab's keys are real rows, made as `npm run admin -- key create` makes them, and audited.
    const { rows: keyRows } = await pg.query<{ id: string; scope: string; label: string; revoked_at: Date | null }>('SELECT id, scope::text AS scope, label, revoked_at FROM api_keys WHERE id = ANY($1)', [[keys.read, keys.write]]);
    expect(Object.fromEntries(keyRows.map((k) => [k.id, k.scope]))).toEqual({ [keys.read]: 'read', [keys.write]: 'write' });
    expect(keyRows.every((k) => k.revoked_at === null && k.label.startsWith('lab controller'))).toBe(true);
    expect((await auditRows(`action = 'API_KEY_CREATED' AND actor = 'lab' AND target = ANY($1)`, [[keys.read, keys.write]])).length).toBe(2);
    expect((await pg.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_keys WHERE id = $1', [stale])).rows[0]?.revoked_at).toBeInstanceOf(Date);
    expect(await auditRows(`action = 'API_KEY_REVOKED' AND actor = 'lab' AND target = $1`, [stale])).toHaveLength(1);

    const pages = Number(await attr('#admin-walk-summary', 'data-pages'));
    const listedRows = await auditRows(`action = 'ADMIN_SESSIONS_LISTED' AND actor = $1 AND at >= $2`, [`key:${keys.read}`, started]);
    expect(listedRows).toHaveLength(pages);
    expect(Number(await attr('#admin-walk-summary', 'data-credentials-seen'))).toBe(0);

    const listed = new Set(await lab.page.locator('#admin-sessions-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-handle')!)));
    for (const { handle } of handles) expect(listed.has(handle)).toBe(true);
    const inRedis = await handlesInRedis();
    if (inRedis.size <= 200) expect(listed).toEqual(inRedis);
    figures.walk = { pages, count, listed: listed.size, answeredBy: [...new Set(listedRows.map((r) => r.instance))].sort() };
    await expectNoCredentialShown();
  });

  test('when one student is revoked, then the read key got 403, the write key 204, and every replica\'s own port went from 200 to 401 — as Redis and the audit log say', async () => {
    const victim = handles[1]!;
    const started = new Date();
    await lab.page.locator('#admin-revoke-client').selectOption(victim.client);
    await press(lab.page.locator('#admin-revoke'));
    await until('the revoke on the page', async () => (await attr('#admin-revoke-summary', 'data-handle')) === victim.handle);
    expect(await attr('#admin-revoke-summary', 'data-read-status')).toBe('403');
    expect(await attr('#admin-revoke-summary', 'data-write-status')).toBe('204');
    const cells = async (when: string) =>
      lab.page.locator(`#admin-replicas-table tr[data-when="${when}"] td`).evaluateAll((tds) => tds.map((td) => ({ target: td.getAttribute('data-target'), status: Number(td.getAttribute('data-status')), replica: td.getAttribute('data-replica') })));
    const before = await cells('before');
    const after = await cells('after');
    const ids = cluster.replicas.map((r) => r.id);
    expect(before).toEqual(ids.map((id) => ({ target: id, status: 200, replica: id })));
    expect(after).toEqual(ids.map((id) => ({ target: id, status: 401, replica: id })));

    expect((await handlesInRedis()).has(victim.handle)).toBe(false);
    const denied = await auditRows(`action = 'ADMIN_SCOPE_DENIED' AND actor = $1 AND at >= $2`, [`key:${keys.read}`, started]);
    expect(denied).toHaveLength(1);
    const revoked = await auditRows(`action = 'ADMIN_SESSION_REVOKED' AND target = $1`, [victim.handle]);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actor: `key:${keys.write}` });
    figures.revoke = { handle: `${victim.handle.slice(0, 6)}…`, readKey: 403, writeKey: 204, writtenBy: revoked[0]!.instance, before: before.map((c) => `${c.target} ${c.status}`), after: after.map((c) => `${c.target} ${c.status}`) };
    await expectNoCredentialShown();
  });

  test('when the audit log is read, then the page shows exactly PostgreSQL\'s newest rows, the revoke among them', async () => {
    await press(lab.page.locator('#admin-audit'));
    await until('the audit rows on the page', async () => (await lab.page.locator('#admin-audit-table tbody tr').count()) > 0);
    const shown = await lab.page.locator('#admin-audit-table tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({ id: r.getAttribute('data-id')!, action: r.getAttribute('data-action')!, actor: r.getAttribute('data-actor') || null, target: r.getAttribute('data-target') || null, instance: r.getAttribute('data-instance')! })));
    expect(shown.length).toBeGreaterThan(0);
    const truth = await auditRows('id <= $1', [shown[0]!.id], 50);
    expect(shown).toEqual(truth);
    const revokeRow = shown.find((r) => r.action === 'ADMIN_SESSION_REVOKED' && r.target === handles[1]!.handle);
    expect(revokeRow).toMatchObject({ actor: `key:${keys.write}`, instance: (figures.revoke as { writtenBy: string }).writtenBy });
    figures.audit = { rows: shown.length, revoke: `${revokeRow!.action} by ${revokeRow!.actor} on ${revokeRow!.instance}` };
    await expectNoCredentialShown();
  });

  test('when the worksheet is checked, then every step passes, on the page and from the terminal', async () => {
    const text = await untilEveryStepPasses(lab.page);
    expect(text).toMatch(/every replica refuses the student after: app-1 401/);
    expect(labCheck(cluster, 12)).toMatchObject({ code: 0, output: expect.stringContaining('Lab 12 passed.') });
    process.stderr.write(`[lesson 12] as the page showed it and PostgreSQL/Redis confirmed: ${JSON.stringify(figures)}\n`);
  });

  test('when the worksheet is open, then axe-core finds no serious or critical violation and the page threw nothing', async () => {
    expect(await seriousAxeViolations(lab.page)).toEqual([]);
    expect(lab.pageErrors).toEqual([]);
    expect(lab.guarded.blocked).toEqual([]);
  });
});
