// Worksheet 9 in a real Chromium through nginx: the student logs every virtual client in, asks
// every replica with client-1's session, token and token + denylist, logs client-1 out and asks
// again. What the grid shows is held against the cluster itself: each replica's own /metrics
// counts the 200s and 401s it gave on /api/v1/auth/me, and Redis holds the session's key before
// the logout and the token's denylist entry after it. No credential ever reaches a page.
import { Redis } from 'ioredis';
import { serviceUrls } from '../../cluster/state';
import { PROOFS, type LogoutSnapshot, type Proof } from '../../lab/lessons/09-logging-out.contract';
import { clusterState, labCheck, type E2eCluster } from '../support/e2e-cluster';
import { closeLesson, openLesson, press, seriousAxeViolations, until, untilEveryStepPasses, type LabPage } from '../support/lab-page';

jest.setTimeout(180_000);

let cluster: E2eCluster;
let lab: LabPage;
let redis: Redis;
let prefix: string;

/** A signed token (three base64url parts, the header starting `{"`), or a login cookie's `<handle>.<secret>`. */
const CREDENTIAL = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|[0-9a-f]{16}\.[A-Za-z0-9_-]{43}/;

beforeAll(async () => {
  ({ cluster, lab } = await openLesson(9));
  const state = clusterState(cluster);
  prefix = state.appEnv?.REDIS_KEY_PREFIX ?? 'statelab:';
  redis = new Redis(serviceUrls(state).redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await closeLesson(lab, cluster, 9, { panel: '#panel-logout' });
});

const ME_ROUTE = '/api/v1/auth/me';

/** Each replica's own count of answers on /me, by status. */
async function meAnswers(): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const { id, port } of cluster.replicas) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const line of text.split('\n')) {
      if (!line.startsWith('http_requests_total{') || !line.includes(`route="${ME_ROUTE}"`)) continue;
      const status = /status="(\d+)"/.exec(line)![1]!;
      counts[status] = (counts[status] ?? 0) + Number(line.split(' ').pop());
    }
    out[id] = counts;
  }
  return out;
}

function delta(before: Record<string, Record<string, number>>, after: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(after).map(([replica, counts]) => [
    replica,
    Object.fromEntries(Object.entries(counts).map(([s, n]) => [s, n - (before[replica]?.[s] ?? 0)]).filter(([, n]) => (n as number) > 0)),
  ]));
}

interface ShownCell {
  replica: string;
  proof: Proof;
  status: number;
  code: string;
  accepted: boolean;
}

/** The grid as the page shows it. */
async function shownGrid(phase: 'before' | 'after'): Promise<{ id: string; cells: ShownCell[] }> {
  const table = lab.page.locator(`#logout-grid-${phase} table`);
  const id = (await table.getAttribute('data-grid-id'))!;
  const cells = await table.locator('td[data-proof]').evaluateAll((tds) => tds.map((td) => ({
    replica: td.getAttribute('data-replica')!,
    proof: td.getAttribute('data-proof') as Proof,
    status: Number(td.getAttribute('data-status')),
    code: td.getAttribute('data-error-code') ?? '',
    accepted: td.getAttribute('data-accepted') === 'true',
  })));
  return { id, cells };
}

/** Presses "Ask every replica" on client-1 and returns the finished grid, with what each replica counted meanwhile. */
async function ask(phase: 'before' | 'after') {
  // Not getAttribute on a table that is not there yet: Playwright would wait for it.
  const previous = await lab.page.locator(`#logout-grid-${phase} table`).evaluateAll((t) => t[0]?.getAttribute('data-grid-id') ?? null);
  const before = await meAnswers();
  await press(lab.page.locator('#logout-clients tr[data-client="client-1"] button[data-logout-action="ask"]'));
  await until(`the ${phase} grid on the page`, async () => {
    const table = lab.page.locator(`#logout-grid-${phase} table[data-done="true"]`);
    return (await table.count()) === 1 && (await table.getAttribute('data-grid-id')) !== previous;
  });
  const grid = await shownGrid(phase);
  const counted = delta(before, await meAnswers());
  return { grid, counted };
}

/** What the grid says each replica answered on /me, by status: must equal the replica's own count. */
function byReplica(cells: ShownCell[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = Object.fromEntries(cluster.replicas.map((r) => [r.id, {}]));
  for (const c of cells) out[c.replica]![String(c.status)] = (out[c.replica]![String(c.status)] ?? 0) + 1;
  return out;
}

const column = (cells: ShownCell[], proof: Proof) => cells.filter((c) => c.proof === proof);
const client1 = () => lab.page.locator('#logout-clients tr[data-client="client-1"]');
const figures: string[] = [];

describe('worksheet 9 — logging out: a server session ends everywhere, a token does not — in the lab page', () => {
  test('when nothing was done since the reset, then `npm run lab -- check 9` fails and says what to press', () => {
    const check = labCheck(cluster, 9);
    expect(check.code).not.toBe(0);
    expect(check.output).toContain('Log every client in');
  });

  test('when every client logs in and client-1 asks every replica, then the grid shows 9 of 9 accepted, as each replica counted', async () => {
    await press(lab.page.locator('#logout-login'));
    await until('every client logged in on the page', async () =>
      (await lab.page.locator('#logout-clients tr[data-client][data-login-id]:not([data-login-id=""])').count()) === (await lab.page.locator('#logout-clients tr[data-client]').count()));
    const handle = (await client1().getAttribute('data-session-handle'))!;
    expect(handle).toMatch(/^[0-9a-f]{16}$/);
    // The session the page names is one Redis key.
    expect(await redis.exists(`${prefix}login:${handle}`)).toBe(1);

    const { grid, counted } = await ask('before');
    expect(grid.cells).toHaveLength(cluster.replicas.length * PROOFS.length);
    expect(grid.cells.every((c) => c.accepted && c.status === 200)).toBe(true);
    expect(counted).toEqual(byReplica(grid.cells));
    figures.push(`before the logout ${grid.cells.filter((c) => c.accepted).length}/${grid.cells.length} accepted`);
  });

  test('when client-1 logs out and asks again, then the session is refused by every replica, the token accepted by every one, and refused by every one with the denylist', async () => {
    const tokenId = (await client1().getAttribute('data-token-id'))!;
    const handle = (await client1().getAttribute('data-session-handle'))!;
    await press(client1().locator('button[data-logout-action="logout"]'));
    await until('client-1 logged out on the page', async () => (await client1().getAttribute('data-logged-out')) === 'true');
    // The session's key is gone; the token's id is on the denylist.
    expect(await redis.exists(`${prefix}login:${handle}`)).toBe(0);
    expect(await redis.exists(`${prefix}jwt-deny:${tokenId}`)).toBe(1);

    const [sessionOn, tokenOn] = (await client1().getAttribute('data-logout-replicas'))!.split(',');
    figures.push(`logged out through nginx on ${sessionOn} (session) and ${tokenOn} (token)`);

    const { grid, counted } = await ask('after');
    expect(counted).toEqual(byReplica(grid.cells));
    const n = cluster.replicas.length;
    expect(column(grid.cells, 'session').map((c) => [c.status, c.code])).toEqual(Array(n).fill([401, 'NOT_AUTHENTICATED']));
    expect(column(grid.cells, 'token').map((c) => [c.status, c.accepted])).toEqual(Array(n).fill([200, true]));
    expect(column(grid.cells, 'token-denylist').map((c) => [c.status, c.code])).toEqual(Array(n).fill([401, 'TOKEN_REVOKED']));
    for (const proof of PROOFS) figures.push(`after: ${proof.label} accepted by ${column(grid.cells, proof.proof).filter((c) => c.accepted).length}/${n}`);
  });

  test('when the worksheet is checked, then every step passes, on the page and from the terminal', async () => {
    const text = await untilEveryStepPasses(lab.page);
    expect(text).toContain('3 of 3 replicas refused it (app-1 401 NOT_AUTHENTICATED');
    const check = labCheck(cluster, 9);
    expect(check).toMatchObject({ code: 0, output: expect.stringContaining('Lab 9 passed.') });
    process.stderr.write(`[lesson 9] client-1 asked every replica directly: ${figures.join('; ')}\n`);
  });

  test('when a page or a tool without the lab token looks, then it sees handles and never a session credential or a token', async () => {
    const html = await lab.page.content();
    expect(html).not.toMatch(CREDENTIAL);
    const stateText = await (await fetch(`${cluster.nginxUrl}/lab/api/state`)).text();
    expect(stateText).not.toMatch(CREDENTIAL);
    const snapshot = (JSON.parse(stateText) as { lessons: Record<string, LogoutSnapshot> }).lessons.logout!;
    expect(snapshot.logins.length).toBeGreaterThan(0);
    expect(snapshot.logins[0]!.sessionHandle).toMatch(/^[0-9a-f]{16}$/);
    // And no lesson POST works without the token.
    const anonymous = await fetch(`${cluster.nginxUrl}/lab/api/lessons/logout/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client: 'client-1' }) });
    expect(anonymous.status).toBe(401);
  });

  test('when the worksheet is open, then axe-core finds no serious or critical violation and the page threw nothing', async () => {
    expect(await seriousAxeViolations(lab.page)).toEqual([]);
    expect(lab.pageErrors).toEqual([]);
    expect(lab.guarded.blocked).toEqual([]);
  });
});
