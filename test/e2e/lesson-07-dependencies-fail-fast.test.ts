// Worksheet 7 in a real Chromium through nginx: the student watches the three routes, stops Redis
// and then PostgreSQL from the Dependencies panel (the Cluster panel's own /actions path), brings
// them back, and checks their work. What the page shows is held against the replicas themselves:
// each replica's /ready names the missing dependency, and its stateless route keeps answering.
import type { Dependency } from '../../lab/lessons/07-dependencies-fail-fast.contract';
import { labCheck, type E2eCluster } from '../support/e2e-cluster';
import { closeLesson, openLesson, press, seriousAxeViolations, until, untilEveryStepPasses, type LabPage } from '../support/lab-page';

jest.setTimeout(180_000);

let cluster: E2eCluster;
let lab: LabPage;
const figures: string[] = [];

beforeAll(async () => {
  ({ cluster, lab } = await openLesson(7));
}, 120_000);

afterAll(async () => {
  if (lab) {
    // Whatever happened above, the files after this one need both dependencies.
    for (const target of ['redis', 'postgres'] as const) {
      const item = lab.page.locator(`#dependencies-components li[data-dependency="${target}"]`);
      if ((await item.getAttribute('data-state').catch(() => 'up')) === 'down') await press(item.locator('button[data-dependency-action="start"]')).catch(() => undefined);
    }
    await until('both dependencies up again', async () =>
      (await lab.page.locator('#dependencies-components li[data-state="up"][data-ready="true"]').count()) === 2, 60_000).catch(() => undefined);
  }
  await closeLesson(lab, cluster, 7, { panel: '#panel-dependencies' });
});

/** The page's latest answer of one route. */
async function latest(route: string): Promise<{ status: number; code: string; ms: number }> {
  const row = lab.page.locator(`#dependencies-lanes tr[data-route="${route}"]`);
  return {
    status: Number(await row.getAttribute('data-status')),
    code: (await row.getAttribute('data-error-code')) ?? '',
    ms: Number(await row.getAttribute('data-latency-ms')),
  };
}

async function dependency(target: Dependency, action: 'stop' | 'start'): Promise<void> {
  const button = lab.page.locator(`#dependencies-components li[data-dependency="${target}"] button[data-dependency-action="${action}"]`);
  await until(`${action} ${target} enabled`, async () => (await button.isEnabled()) || undefined);
  await press(button);
  const state = action === 'stop' ? 'down' : 'up';
  await until(`${target} ${state} on the page`, async () =>
    (await lab.page.locator(`#dependencies-components li[data-dependency="${target}"][data-state="${state}"]`).count()) === 1, 60_000);
}

/** Several rounds in a row with this answer on this route (the page draws one square per round). */
async function untilRoundsShow(route: string, status: number, code: string, rounds = 4): Promise<{ status: number; code: string; ms: number }[]> {
  const seen: { status: number; code: string; ms: number }[] = [];
  let lastSquares = -1;
  await until(`${rounds} rounds of ${status} ${code} on ${route}`, async () => {
    const squares = await lab.page.locator(`#dependencies-lanes tr[data-route="${route}"] .dot`).count();
    if (squares === lastSquares) return undefined;
    lastSquares = squares;
    const now = await latest(route);
    if (now.status === status && now.code === code) seen.push(now);
    else seen.length = 0;
    return seen.length >= rounds || undefined;
  }, 60_000);
  return seen;
}

/** /ready of every replica, straight to its port: the replica's own word on its dependencies. */
async function readiness(): Promise<{ status: number; body: string }[]> {
  return Promise.all(cluster.replicas.map(async ({ port }) => {
    const res = await fetch(`http://127.0.0.1:${port}/ready`);
    return { status: res.status, body: await res.text() };
  }));
}

async function statelessOnEveryReplica(): Promise<number[]> {
  return Promise.all(cluster.replicas.map(async ({ port }) => (await fetch(`http://127.0.0.1:${port}/api/v1/stateless/info`)).status));
}

describe('worksheet 7 — dependencies fail fast and locally — in the lab page', () => {
  test('when Redis is stopped while the routes are watched, then only the session route fails, with a fast 503 REDIS_UNAVAILABLE', async () => {
    await lab.page.locator('#dependencies-seconds').fill('180');
    await press(lab.page.locator('#dependencies-watch'));
    await until('the watch running', async () => (await lab.page.locator('#dependencies-status[data-running="true"]').count()) === 1);
    await untilRoundsShow('stateful', 200, '', 2);

    await dependency('redis', 'stop');
    const failing = await untilRoundsShow('stateful', 503, 'REDIS_UNAVAILABLE');
    expect(await latest('stateless')).toMatchObject({ status: 200 });
    expect(await latest('catalogue')).toMatchObject({ status: 200 });
    // Every replica says why, itself, and still serves what needs nothing.
    const ready = await readiness();
    expect(ready.map((r) => r.status)).toEqual(cluster.replicas.map(() => 503));
    for (const r of ready) expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'REDIS_UNAVAILABLE', details: { checks: { redis: 'down', database: 'up' } } } });
    expect(await statelessOnEveryReplica()).toEqual(cluster.replicas.map(() => 200));
    figures.push(`Redis down: session route 503 REDIS_UNAVAILABLE in ${failing.map((f) => Math.round(f.ms)).join(', ')} ms`);
  });

  test('when Redis is back and PostgreSQL is stopped, then only the catalogue fails, with a fast 503 DATABASE_UNAVAILABLE', async () => {
    await dependency('redis', 'start');
    await untilRoundsShow('stateful', 200, '', 2);
    await dependency('postgres', 'stop');
    const failing = await untilRoundsShow('catalogue', 503, 'DATABASE_UNAVAILABLE');
    expect(await latest('stateless')).toMatchObject({ status: 200 });
    expect(await latest('stateful')).toMatchObject({ status: 200 });
    const ready = await readiness();
    expect(ready.map((r) => r.status)).toEqual(cluster.replicas.map(() => 503));
    for (const r of ready) expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'DATABASE_UNAVAILABLE', details: { checks: { redis: 'up', database: 'down' } } } });
    figures.push(`PostgreSQL down: catalogue 503 DATABASE_UNAVAILABLE in ${failing.map((f) => Math.round(f.ms)).join(', ')} ms`);
  });

  test('when PostgreSQL is back, then every route answers 200 again without a replica restart, and every step passes on the page and from the terminal', async () => {
    const pids = await lab.page.locator('#cluster-components li[data-component^="app-"]').evaluateAll((items) => items.map((li) => li.getAttribute('data-pid')));
    const startedAt = Date.now();
    await dependency('postgres', 'start');
    await untilRoundsShow('catalogue', 200, '', 3);
    figures.push(`recovered: catalogue 200 again ${((Date.now() - startedAt) / 1000).toFixed(1)} s after start was pressed`);
    expect((await readiness()).map((r) => r.status)).toEqual(cluster.replicas.map(() => 200));
    const after = await lab.page.locator('#cluster-components li[data-component^="app-"]').evaluateAll((items) => items.map((li) => li.getAttribute('data-pid')));
    expect(after).toEqual(pids);

    const text = await untilEveryStepPasses(lab.page);
    expect(text).toMatch(/session \(Redis\): 503 REDIS_UNAVAILABLE: \d+ × 503 REDIS_UNAVAILABLE/);
    expect(text).toMatch(/catalogue \(PostgreSQL\): 503 DATABASE_UNAVAILABLE/);
    expect(labCheck(cluster, 7)).toMatchObject({ code: 0, output: expect.stringContaining('Lab 7 passed.') });
    await press(lab.page.locator('#dependencies-stop'));
    process.stderr.write(`[lesson 7] ${figures.join('; ')}\n`);
  });

  test('when the worksheet is open, then axe-core finds no serious or critical violation and the page threw nothing', async () => {
    expect(await seriousAxeViolations(lab.page)).toEqual([]);
    expect(lab.pageErrors).toEqual([]);
    expect(lab.guarded.blocked).toEqual([]);
  });
});
