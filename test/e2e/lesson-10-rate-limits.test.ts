// Worksheet 10 in a real Chromium through nginx: the student presses the Rate limits panel's
// buttons from the keyboard until every step passes, and every number the page shows for a probe
// is checked against the cluster itself — nginx's access log (every answer to the probe's client
// address) and each replica's own /metrics (the 200s it served on the route).
import { readFileSync } from 'node:fs';
import { logFile } from '../../cluster/state';
import { LIMIT_VARIANTS, type LimitStore, type LimitVia } from '../../lab/lessons/10-rate-limits.contract';
import { labCheck, type E2eCluster } from '../support/e2e-cluster';
import { closeLesson, openLesson, press, seriousAxeViolations, until, untilEveryStepPasses, type LabPage } from '../support/lab-page';

jest.setTimeout(120_000);

let cluster: E2eCluster;
let lab: LabPage;

beforeAll(async () => {
  // Each replica must count its share: a replica nginx still benches after an earlier file's kill
  // would make the memory store's drift smaller than the number of replicas (openLesson waits).
  ({ cluster, lab } = await openLesson(10));
}, 120_000);

afterAll(async () => {
  await closeLesson(lab, cluster, 10, { panel: '#panel-limits' });
});

/** 200s on `route` per replica, from each replica's own /metrics. */
async function allowedByReplica(route: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { id, port } of cluster.replicas) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    out[id] = text
      .split('\n')
      .filter((l) => l.startsWith('http_requests_total{') && l.includes(`route="${route}"`) && l.includes('status="200"'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  }
  return out;
}

interface AccessLine {
  client: string;
  status: number;
  upstream: string;
}

/** nginx's access log lines of one client address (the probe's), with the replica each went to. */
function accessLines(address: string): { status: number; replica: string }[] {
  const byPort = new Map(cluster.replicas.map((r) => [String(r.port), r.id]));
  return readFileSync(logFile(cluster.clusterDir, 'nginx-access'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"client":"${address}"`))
    .map((l) => JSON.parse(l) as AccessLine)
    .map((l) => ({ status: l.status, replica: byPort.get(l.upstream.split(', ').pop()!.split(':').pop()!) ?? `unknown upstream ${l.upstream}` }));
}

interface ShownProbe {
  id: string;
  sent: number;
  allowed: number;
  limit: number;
  drift: number;
  address: string;
  perReplica: Record<string, number>;
}

async function shownProbe(store: LimitStore, via: LimitVia): Promise<ShownProbe> {
  const row = lab.page.locator(`#limits-table tr[data-variant="${store}/${via}"]`);
  const num = async (name: string) => Number(await row.getAttribute(name));
  const perReplica = await row.locator('li[data-replica]').evaluateAll((items) =>
    Object.fromEntries(items.map((li) => [li.getAttribute('data-replica')!, Number(li.getAttribute('data-allowed'))]).filter(([, n]) => (n as number) > 0)));
  return {
    id: (await row.getAttribute('data-probe-id'))!,
    sent: await num('data-sent'),
    allowed: await num('data-allowed'),
    limit: await num('data-limit'),
    drift: await num('data-drift'),
    address: (await row.getAttribute('data-client-address'))!,
    perReplica,
  };
}

const figures: Record<string, ShownProbe> = {};

describe('worksheet 10 — rate limits, per replica vs shared — in the lab page', () => {
  test.each(LIMIT_VARIANTS.map((v) => [`${v.store}/${v.via}`, v] as const))(
    'when the %s probe is pressed, then the page shows what nginx\'s access log and the replicas\' /metrics recorded',
    async (name, { store, via }) => {
      const route = `/api/v1/limits/${store}`;
      const before = await allowedByReplica(route);
      const row = `#limits-table tr[data-variant="${name}"]`;
      const previous = await lab.page.locator(row).getAttribute('data-probe-id');
      await press(lab.page.locator(`#limits-body button[data-probe="${name}"]`));
      await until(`the ${name} probe on the page`, async () => {
        const id = await lab.page.locator(row).getAttribute('data-probe-id');
        return id !== null && id !== previous;
      });
      const shown = await shownProbe(store, via);
      figures[name] = shown;
      expect(shown.sent).toBe(30);
      expect(shown.limit).toBe(10);
      expect(shown.drift).toBeCloseTo(shown.allowed / shown.limit, 2);

      // nginx saw exactly these answers to this address, and counted the 200s the page shows, per replica.
      const lines = await until('every answer in the access log', async () => {
        const found = accessLines(shown.address);
        return found.length === shown.sent ? found : undefined;
      });
      const ok = lines.filter((l) => l.status === 200);
      expect(ok).toHaveLength(shown.allowed);
      expect(lines.filter((l) => l.status !== 200).every((l) => l.status === 429)).toBe(true);
      const fromLog: Record<string, number> = {};
      for (const l of ok) fromLog[l.replica] = (fromLog[l.replica] ?? 0) + 1;
      expect(shown.perReplica).toEqual(fromLog);

      // And each replica's own counter of 200s on the route rose by its share.
      const after = await allowedByReplica(route);
      const rose = Object.fromEntries(cluster.replicas.map(({ id }) => [id, after[id]! - before[id]!]).filter(([, n]) => (n as number) > 0));
      expect(rose).toEqual(shown.perReplica);

      if (name === 'memory/least_conn') {
        expect(shown.allowed).toBeGreaterThan(shown.limit);
        expect(Object.keys(shown.perReplica).length).toBeGreaterThanOrEqual(2);
      } else {
        expect(shown.allowed).toBe(shown.limit);
      }
      if (via === 'ip_hash') expect(Object.keys(shown.perReplica)).toHaveLength(1);
    },
  );

  test('when the worksheet is checked, then every step passes, on the page and from the terminal', async () => {
    const text = await untilEveryStepPasses(lab.page);
    expect(text).toMatch(/more than the limit let through: \d+ of 30 allowed/);
    expect(labCheck(cluster, 10)).toMatchObject({ code: 0, output: expect.stringContaining('Lab 10 passed.') });
    process.stderr.write(
      `[lesson 10] drift factor as the page showed it: ${Object.entries(figures).map(([name, p]) => `${name} ${p.allowed}/${p.sent} (limit ${p.limit}) = ${p.drift}× ${JSON.stringify(p.perReplica)}`).join('; ')}\n`,
    );
  });

  test('when the worksheet is open, then axe-core finds no serious or critical violation and the page threw nothing', async () => {
    expect(await seriousAxeViolations(lab.page)).toEqual([]);
    expect(lab.pageErrors).toEqual([]);
    expect(lab.guarded.blocked).toEqual([]);
  });
});
