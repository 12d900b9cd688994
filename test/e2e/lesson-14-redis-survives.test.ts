// Worksheet 14 in a real Chromium through nginx, on a cluster of its own started with
// REDIS_MODE=sentinel (two replicas, a Redis primary, its replica, three Sentinels): the student
// opens sessions, kills every Redis from the page, starts them again and counts; then kills the
// primary under session writes and watches the Sentinels promote the replica; then starts the old
// primary again. What the page shows is held against Redis and the Sentinels themselves: the
// session keys (by their handles, the page never shows an id), ROLE, the Sentinels' primary.
// First the standalone test cluster: its one Redis killed and started from the page, and steps
// 3 and 4 failing with the command that restarts the cluster with Sentinel.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { runLauncher } from '../../cluster/launcher';
import { requireClusterState, serviceUrls } from '../../cluster/state';
import type { LabCheckReport } from '../../lab/lab-types';
import { nginxUrl, prometheusUrl } from '../../cluster/topology';
import { handleOf } from '../../lab/lessons/14-redis-survives';
import { SENTINEL_RESTART } from '../../lab/lessons/14-redis-survives.contract';
import { clusterState, e2eCluster, e2eClusterDir, labCheck, labToken, pickPortBlock, untilEveryReplicaServes, type E2eCluster } from '../support/e2e-cluster';
import { chooseWorksheet, openLabPage, press, resetLab, seriousAxeViolations, until, untilEveryStepPasses, type LabPage } from '../support/lab-page';

jest.setTimeout(240_000);

const SESSIONS = 50;
const clusterDir = path.join(e2eClusterDir, 'durability-sentinel-cluster');
let cluster: E2eCluster;
let ports: Awaited<ReturnType<typeof pickPortBlock>>;
let lab: LabPage;
const figures: string[] = [];

function launcher(args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...process.env, ...cluster.env };
  // The private Redis and PostgreSQL of this cluster, never a shared one.
  delete env.REDIS_URL;
  delete env.DATABASE_URL;
  return runLauncher(args, { env, timeoutMs: 300_000 });
}

async function startSentinelCluster(): Promise<void> {
  ports = await pickPortBlock(2);
  cluster = {
    clusterDir,
    nginxUrl: nginxUrl(ports.topology),
    prometheusUrl: prometheusUrl(ports.topology),
    env: { ...ports.env, CLUSTER_DIR: clusterDir, REPLICAS: '2', NODE_ENV: 'production', REDIS_MODE: 'sentinel' },
    replicas: ports.topology.replicas.slice(0, 2).map(({ id, port }) => ({ id, port })),
  };
  launcher(['down', '--clean']);
  launcher(['up']);
  await resetLab(cluster);
  lab = await openLabPage(cluster);
  await chooseWorksheet(lab.page, 14);
}

/** A picture of the panel for whoever reads a failure, then the browser closes. */
async function closePage(page: LabPage | undefined, name: string): Promise<void> {
  if (!page) return;
  const artifacts = path.join(e2eClusterDir, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  await page.page.locator('#panel-durability').scrollIntoViewIfNeeded().catch(() => undefined);
  await page.page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true }).catch(() => undefined);
  await page.close().catch(() => undefined);
}

/** A Redis of the sentinel cluster by port, with its password (state.json), or one by its URL. */
async function withRedis<T>(at: number | string, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 1 };
  const redis = typeof at === 'string' ? new Redis(at, options) : new Redis({ ...options, port: at, password: requireClusterState(clusterDir).secrets?.redisPassword });
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** The handles of every session key in the Redis on `port` (SCAN, never KEYS). */
async function sessionHandles(at: number | string): Promise<Set<string>> {
  return withRedis(at, async (redis) => {
    const handles = new Set<string>();
    for await (const keys of redis.scanStream({ match: 'statelab:sess:*', count: 1000 }) as AsyncIterable<string[]>) {
      for (const key of keys) handles.add(handleOf(key.slice('statelab:sess:'.length)));
    }
    return handles;
  });
}

const ROLE_NAMES: Record<string, string> = { master: 'primary', slave: 'replica' };
const roleOn = (port: number) => withRedis(port, async (redis) => ROLE_NAMES[String(((await redis.call('ROLE')) as unknown[])[0])]);
const portOf = (name: string) => (name === 'redis-replica' ? ports.topology.redisHa.replicaPort : ports.topology.redisPort);

async function sentinelPrimaryPort(): Promise<number> {
  const { secrets } = requireClusterState(clusterDir);
  const sentinel = new Redis({ port: ports.topology.redisHa.sentinels[0]!.port, password: secrets?.sentinelPassword, lazyConnect: true });
  try {
    await sentinel.connect();
    return Number(((await sentinel.call('SENTINEL', 'get-master-addr-by-name', 'statelab')) as string[])[1]);
  } finally {
    sentinel.disconnect();
  }
}

const item = (name: string) => lab.page.locator(`#durability-redis li[data-redis="${name}"]`);
const shownHandles = async () => ((await lab.page.locator('#durability-held').textContent()) ?? '').match(/first handles ([0-9a-f ]+)\./)?.[1]!.trim().split(' ') ?? [];

/** Presses Count and returns the newest row once it is a new one. */
async function countOnPage(): Promise<{ found: number; held: number; unavailable: number }> {
  const rows = lab.page.locator('#durability-counts tbody tr');
  const before = await rows.count();
  await press(lab.page.locator('#durability-count'));
  await until('a new count row', async () => (await rows.count()) > before, 60_000);
  const row = rows.first();
  const n = async (name: string) => Number(await row.getAttribute(name));
  return { found: await n('data-found'), held: await n('data-held'), unavailable: await n('data-unavailable') };
}

async function untilRedis(name: string, attrs: Record<string, string>, timeoutMs = 60_000): Promise<void> {
  const selector = Object.entries(attrs).map(([k, v]) => `[data-${k}="${v}"]`).join('');
  await until(`${name} ${selector} on the page`, async () => (await lab.page.locator(`#durability-redis li[data-redis="${name}"]${selector}`).count()) === 1, timeoutMs);
}

describe('worksheet 14 on the standalone test cluster', () => {
  let standalone: E2eCluster;
  let page: LabPage | undefined;

  beforeAll(async () => {
    standalone = e2eCluster();
    await untilEveryReplicaServes(standalone);
    await resetLab(standalone);
    page = lab = await openLabPage(standalone);
    await chooseWorksheet(lab.page, 14);
  }, 120_000);

  afterAll(async () => {
    // Whatever happened, the files after this one need Redis, and not these sessions (a reset logs them out).
    if (page && (await item('redis').getAttribute('data-state').catch(() => 'up')) === 'down') {
      await press(item('redis').locator('button[data-redis-action="start"]')).catch(() => undefined);
      await untilRedis('redis', { state: 'up', ready: 'true' }).catch(() => undefined);
    }
    await resetLab(standalone).catch(() => undefined);
    await closePage(page, 'lesson-14-standalone');
  }, 120_000);

  test('when its one Redis is killed from the page and started again, then every session is counted again from the AOF; the failover is off and steps 3 and 4 name the Sentinel restart', async () => {
    expect(await lab.page.locator('#durability-mode').getAttribute('data-redis-mode')).toBe('standalone');
    expect(await lab.page.locator('#durability-sentinel-command').textContent()).toBe(SENTINEL_RESTART);
    expect(await lab.page.locator('#durability-failover').isDisabled()).toBe(true);
    const redisUrl = serviceUrls(clusterState(standalone)).redis;
    await lab.page.locator('#durability-how-many').fill('20');
    await press(lab.page.locator('#durability-open'));
    await until('the sessions held', async () => (await lab.page.locator('#durability-held[data-held="20"]').count()) === 1, 60_000);
    expect(await countOnPage()).toEqual({ found: 20, held: 20, unavailable: 0 });
    const handles = await shownHandles();
    const before = await sessionHandles(redisUrl);
    for (const h of handles) expect(before.has(h)).toBe(true);

    await press(lab.page.locator('#durability-kill-all'));
    await untilRedis('redis', { state: 'down' });
    expect(await countOnPage()).toMatchObject({ found: 0, unavailable: 20 });
    await press(lab.page.locator('#durability-start-all'));
    await untilRedis('redis', { state: 'up', ready: 'true' });
    let after = await countOnPage();
    for (const deadline = Date.now() + 30_000; after.unavailable > 0 && Date.now() < deadline; after = await countOnPage()) await new Promise((r) => setTimeout(r, 500));
    expect(after).toEqual({ found: 20, held: 20, unavailable: 0 });
    const back = await sessionHandles(redisUrl);
    for (const h of handles) expect(back.has(h)).toBe(true);

    const report = (await (await fetch(`${standalone.nginxUrl}/lab/api/labs/14/check`)).json()) as LabCheckReport;
    expect(report.steps.map((st) => st.passed)).toEqual([true, true, false, false]);
    for (const st of report.steps.slice(2)) expect(st.parts[0]!.detail).toContain(SENTINEL_RESTART);
    const cli = labCheck(standalone, 14);
    expect(cli.code).not.toBe(0);
    expect(cli.output).toContain(SENTINEL_RESTART);
    expect(lab.pageErrors).toEqual([]);
    figures.push(`standalone: ${after.found}/20 sessions after kill -9 of redis`);
  });

  test('when the view\'s endpoints are called without the token, with a bad body, or for a failover here, then they refuse with the catalogue\'s codes', async () => {
    const post = async (endpoint: string, body: unknown, token?: string) => {
      const res = await fetch(`${standalone.nginxUrl}/lab/api/lessons/durability${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { 'x-lab-token': token } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, code: ((await res.json()) as { error?: { code?: string; message?: string } }).error };
    };
    const token = labToken(standalone);
    expect(await post('/sessions', { count: 5 })).toMatchObject({ status: 401, code: { code: 'LAB_TOKEN_REQUIRED' } });
    expect(await post('/failover', {})).toMatchObject({ status: 401, code: { code: 'LAB_TOKEN_REQUIRED' } });
    expect(await post('/sessions', { count: 500 }, token)).toMatchObject({ status: 400, code: { code: 'VALIDATION_FAILED' } });
    expect(await post('/failover', {}, token)).toMatchObject({ status: 409, code: { code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining(SENTINEL_RESTART) } });
  });
});

describe('worksheet 14 — Redis must survive too — in the lab page', () => {
  let page: LabPage | undefined;

  beforeAll(async () => {
    await startSentinelCluster();
    page = lab;
  }, 300_000);

  afterAll(async () => {
    await closePage(page, 'lesson-14');
    if (cluster) launcher(['down', '--clean']);
  }, 120_000);

  test('when nothing was done yet, then `npm run lab -- check 14` fails', async () => {
    const before = labCheck(cluster, 14);
    expect(before.code).not.toBe(0);
    expect(before.output).toContain('Lab 14 not yet');
    expect(await lab.page.locator('#durability-mode').getAttribute('data-redis-mode')).toBe('sentinel');
  });

  test('when sessions are opened, every Redis is killed with SIGKILL and started again, then the count finds every session and Redis holds the same keys', async () => {
    await untilRedis('redis', { role: 'primary' });
    await untilRedis('redis-replica', { role: 'replica' });
    await lab.page.locator('#durability-how-many').fill(String(SESSIONS));
    await press(lab.page.locator('#durability-open'));
    await until('the sessions held', async () => (await lab.page.locator(`#durability-held[data-held="${SESSIONS}"]`).count()) === 1, 60_000);
    expect(await countOnPage()).toEqual({ found: SESSIONS, held: SESSIONS, unavailable: 0 });
    const handles = await shownHandles();
    expect(handles.length).toBeGreaterThan(0);
    // The page's handles name keys that are in Redis; the page never shows an id.
    const inRedis = await sessionHandles(ports.topology.redisPort);
    for (const h of handles) expect(inRedis.has(h)).toBe(true);
    const pageText = (await lab.page.locator('#panel-durability').innerText()) ?? '';
    expect(pageText).not.toMatch(/[A-Za-z0-9_-]{32,}/);
    const pids = { redis: await item('redis').getAttribute('data-pid'), replica: await item('redis-replica').getAttribute('data-pid') };

    await press(lab.page.locator('#durability-kill-all'));
    await untilRedis('redis', { state: 'down' });
    await untilRedis('redis-replica', { state: 'down' });
    const down = await countOnPage();
    expect(down).toMatchObject({ found: 0, unavailable: SESSIONS });

    await press(lab.page.locator('#durability-start-all'));
    await untilRedis('redis', { state: 'up', ready: 'true' });
    await untilRedis('redis-replica', { state: 'up', ready: 'true' });
    // The replicas reach Redis again through the Sentinels: a count right after the start may still
    // see 503s, and a student counts again.
    let after = await countOnPage();
    for (const deadline = Date.now() + 60_000; after.unavailable > 0 && Date.now() < deadline; after = await countOnPage()) await new Promise((r) => setTimeout(r, 1_000));
    expect(after).toEqual({ found: SESSIONS, held: SESSIONS, unavailable: 0 });
    const back = await sessionHandles(ports.topology.redisPort);
    expect(back.size).toBe(inRedis.size);
    for (const h of inRedis) expect(back.has(h)).toBe(true);
    expect(await item('redis').getAttribute('data-pid')).not.toBe(pids.redis);
    expect(await item('redis-replica').getAttribute('data-pid')).not.toBe(pids.replica);
    figures.push(`AOF: ${after.found}/${SESSIONS} sessions after kill -9 of both Redis servers (${inRedis.size} session keys before, ${back.size} after)`);
  });

  test('when the primary is killed from the page under session writes, then the page shows the promotion the Sentinels report, fast failures, writes back and every session', async () => {
    await untilRedis('redis', { role: 'primary' });
    await untilRedis('redis-replica', { role: 'replica' });
    const before = await sessionHandles(ports.topology.redisPort);
    await press(lab.page.locator('#durability-failover'));
    const run = lab.page.locator('#durability-run');
    await until('the failover run to end', async () => (await run.getAttribute('data-running')) === 'false', 120_000);
    const shown = {
      error: await run.getAttribute('data-error'),
      killed: await run.getAttribute('data-killed'),
      promoted: await run.getAttribute('data-promoted'),
      promotedAfterMs: Number(await run.getAttribute('data-promoted-after-ms')),
      failed: Number(await run.getAttribute('data-failed')),
      writes: Number(await run.getAttribute('data-writes')),
      recoveredAfterMs: Number(await run.getAttribute('data-recovered-after-ms')),
      noSession: Number(await run.getAttribute('data-no-session')),
    };
    expect(shown).toMatchObject({ error: '', killed: 'redis', promoted: 'redis-replica' });
    expect(shown.promotedAfterMs).toBeGreaterThan(0);
    expect(shown.failed).toBeGreaterThan(0);
    expect(shown.recoveredAfterMs).toBeGreaterThan(0);
    // Pressed right after step 2, while the restarted replica still resyncs: the run waits for the
    // copy, so the session it writes to (opened a second before the kill) is on the new primary.
    expect(shown.noSession).toBe(0);
    // The Sentinels and the promoted Redis say the same as the page.
    expect(await sentinelPrimaryPort()).toBe(ports.topology.redisHa.replicaPort);
    expect(await roleOn(ports.topology.redisHa.replicaPort)).toBe('primary');
    await untilRedis('redis-replica', { role: 'primary' });
    const status = (await lab.page.locator('#durability-run-status').textContent()) ?? '';
    expect(status).toContain(`${SESSIONS} of ${SESSIONS} sessions found afterwards`);
    const promoted = await sessionHandles(ports.topology.redisHa.replicaPort);
    for (const h of before) expect(promoted.has(h)).toBe(true);
    figures.push(`failover: ${shown.promoted} promoted after ${shown.promotedAfterMs} ms; ${shown.failed} of ${shown.writes} writes after the kill failed (${shown.noSession} NO_SESSION), back after ${shown.recoveredAfterMs} ms; sessions ${SESSIONS}/${SESSIONS}`);
  });

  test('when the old primary is started again from the page, then it rejoins as a replica, and every step passes on the page and from the terminal', async () => {
    const start = item('redis').locator('button[data-redis-action="start"]');
    await until('start redis enabled', async () => (await start.isEnabled()) || undefined);
    await press(start);
    await untilRedis('redis', { state: 'up', role: 'replica' }, 90_000);
    expect(await roleOn(portOf('redis'))).toBe('replica');

    const text = await untilEveryStepPasses(lab.page, 90_000);
    expect(text).toMatch(/every session came back: \d+ of \d+ found after the start/);
    expect(text).toMatch(/the replica promoted: redis-replica is primary [\d.]+ s after the kill/);
    const after = labCheck(cluster, 14);
    expect(after).toMatchObject({ code: 0, output: expect.stringContaining('Lab 14 passed.') });
    process.stderr.write(`[lesson 14] ${figures.join('; ')}\n`);
  });

  test('when the worksheet is open, then axe-core finds no serious or critical violation and the page threw nothing', async () => {
    expect(await seriousAxeViolations(lab.page)).toEqual([]);
    expect(lab.pageErrors).toEqual([]);
    expect(lab.guarded.blocked).toEqual([]);
  });
});
