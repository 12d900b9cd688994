// The lab page in a real Chromium, against the real e2e cluster: nginx serves the page, the lab
// controller drives real virtual clients and real processes. Each test presses the page's own
// buttons and reads what the page shows (the data-* attributes its panels carry), then checks
// the cluster itself where the page claims something happened (a stopped process, for one).
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { isPidAlive as pidAlive } from '../../cluster/processes';
import { guardedContext, launchChromium, type GuardedContext } from '../../lab/browser';
import { clusterCommand, e2eCluster, labToken, statusTable, type E2eCluster } from '../support/e2e-cluster';
import { seriousAxeViolations, until, type AxeViolation } from '../support/lab-page';

let cluster: E2eCluster;
let browser: Browser;
let guarded: GuardedContext;
let page: Page;
const pageErrors: string[] = [];

const attr = async (selector: string, name: string): Promise<string | null> => page.locator(selector).first().getAttribute(name);

const clusterStatus = (): string => statusTable({ ...process.env, ...cluster.env });

/** Replicas `cluster status` lists as stopped. */
function stoppedReplicas(): string[] {
  const status = clusterStatus();
  return cluster.replicas.map((r) => r.id).filter((id) => new RegExp(`^\\s*${id}\\s+stopped`, 'm').test(status));
}

async function componentIs(name: string, state: 'up' | 'down', ready: boolean, timeoutMs = 60_000): Promise<void> {
  const selector = `[data-component="${name}"]`;
  await until(`${name} to show ${state}, ready=${ready}`, async () =>
    (await attr(selector, 'data-state')) === state && (await attr(selector, 'data-ready')) === String(ready), timeoutMs);
}

beforeAll(async () => {
  cluster = e2eCluster();
  const token = labToken(cluster);
  // Earlier e2e files left requests, sessions and actions in the controller's history.
  const reset = await fetch(`${cluster.nginxUrl}/lab/api/reset`, { method: 'POST', headers: { 'x-lab-token': token } });
  expect(reset.status).toBe(200);
  browser = await launchChromium();
  guarded = await guardedContext(browser);
  page = await guarded.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`${cluster.nginxUrl}/#token=${token}`);
}, 180_000);

afterAll(async () => {
  if (page) {
    const artifacts = path.join(cluster.clusterDir, 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'lab.png'), fullPage: true }).catch(() => undefined);
  }
  await browser?.close();
  // Other e2e files share the cluster: every replica must be running again whatever happened here.
  for (const id of stoppedReplicas()) clusterCommand(cluster, ['start', id]);
}, 180_000);

describe('the lab page in Chromium', () => {
  it('when it loads with the token, then it is live, unlocked, draws every component and takes the token out of the address bar', async () => {
    await until('the event stream to be live', async () => (await page.locator('#link-state').textContent())?.includes('live'));
    expect(await page.locator('#token-state').textContent()).toContain('token set');
    expect(page.url()).not.toContain('token=');
    // The fragment never left the browser: nginx's access log has not seen the token.
    expect(readFileSync(path.join(cluster.clusterDir, 'logs', 'nginx-access.log'), 'utf8')).not.toContain(labToken(cluster));
    for (const { id } of cluster.replicas) await componentIs(id, 'up', true);
    expect(await page.locator('#worksheet-picker option').count()).toBeGreaterThanOrEqual(6);
  }, 60_000);

  it('when a worksheet is chosen, then its panels come forward and the others wait on the shelf; every panel is one button away', async () => {
    await page.selectOption('#worksheet-picker', '6');
    expect(await page.locator('#panel-race').isVisible()).toBe(true);
    expect(await page.locator('#panel-stream').isHidden()).toBe(true);
    await page.click('[data-panel-toggle="stream"]');
    expect(await page.locator('#panel-stream').isVisible()).toBe(true);
    // The rest of this file presses buttons in every panel, as an instructor showing the whole cluster.
    await page.click('[data-panel-toggle="all"]');
    for (const panel of await page.locator('#panels > section.panel').all()) expect(await panel.isVisible()).toBe(true);
  }, 60_000);

  it('when each worksheet is chosen, then axe-core finds no serious or critical accessibility violation', async () => {
    const found: Record<string, AxeViolation[]> = {};
    for (const value of await page.locator('#worksheet-picker option').evaluateAll((options) => options.map((o) => o.getAttribute('value')!))) {
      await page.selectOption('#worksheet-picker', value);
      const violations = await seriousAxeViolations(page);
      if (violations.length) found[`worksheet ${value}`] = violations;
    }
    expect(found).toEqual({});
  }, 120_000);

  it('when stateless traffic is sent from the stream, then at least two replicas answer it', async () => {
    await page.selectOption('#stream-family', 'stateless');
    await page.fill('#stream-count', '60');
    await page.fill('#stream-rate', '60');
    await page.click('#stream-body button:text-is("Send")');
    await until('60 requests in the stream', async () => (await attr('#stream-body .run-status', 'data-received')) === '60');
    const counts = await page.locator('#stream-counts li[data-replica^="app-"]').evaluateAll((items) =>
      items.map((li) => [li.getAttribute('data-replica'), Number(li.getAttribute('data-count'))] as const));
    const answering = counts.filter(([, n]) => n > 0);
    expect(answering.length).toBeGreaterThanOrEqual(2);
    expect(answering.reduce((sum, [, n]) => sum + n, 0)).toBe(60);
    expect(await page.locator('#stream-dots .dot[data-status="200"]').count()).toBeGreaterThanOrEqual(60);
  }, 60_000);

  it('when a worksheet is checked, then each step shows its parts passing or failing with what was seen', async () => {
    await page.selectOption('#worksheet-picker', '1');
    await page.click('#worksheet-check');
    await until('the check result', async () => (await page.locator('#worksheet-result').textContent())?.includes('Checked at'));
    const parts = await page.locator('#worksheet-steps .parts li').evaluateAll((items) =>
      items.map((li) => ({ passed: li.getAttribute('data-passed'), text: li.textContent ?? '' })));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) expect(part.text).toMatch(part.passed === 'true' ? /^✓ pass — / : /^✕ fail — /);
    expect(await attr('#worksheet-steps li[data-step="spread"]', 'data-passed')).toBe('true');
  }, 90_000);

  it('when the same clients send ip_hash traffic, then each virtual client maps to exactly one replica, and so does this browser', async () => {
    await page.click('#clients-body button:text-is("Forget the map")');
    await page.click('#clients-body button[data-policies="ip_hash"]');
    const cells = 'td[data-policy="ip_hash"][data-client^="client-"]';
    const rows = await until('5 ip_hash requests from each of the 8 clients', async () => {
      const seen = await page.locator(cells).evaluateAll((tds) =>
        tds.map((td) => ({ client: td.getAttribute('data-client'), replicas: td.getAttribute('data-replicas') ?? '', count: Number(td.getAttribute('data-count')) })));
      return seen.length === 8 && seen.every((r) => r.count >= 5) ? seen : undefined;
    });
    for (const row of rows) expect({ client: row.client, replicas: row.replicas.split(',').length }).toEqual({ client: row.client, replicas: 1 });
    expect(new Set(rows.map((r) => r.replicas)).size).toBeGreaterThanOrEqual(2);
    await page.click('#clients-body button:text-is("Ask nginx as this browser")');
    const you = 'td[data-policy="ip_hash"][data-client="you (this browser)"]';
    await until('the browser\'s own ip_hash requests', async () => Number(await attr(you, 'data-count')) >= 5);
    expect((await attr(you, 'data-replicas'))?.split(',')).toHaveLength(1);
  }, 90_000);

  it('when K=200 increments race through round robin, then the naive counter loses updates and the atomic one loses none', async () => {
    await page.fill('#race-k', '200');
    await page.selectOption('#race-via', 'round_robin');
    await page.click('#race-body button:text-is("Fire")');
    const naive = '#race-table tr[data-side="naive"] td[data-lost]';
    await until('the race result', async () => (await page.locator(naive).count()) > 0, 60_000);
    expect(Number(await attr(naive, 'data-lost'))).toBeGreaterThan(0);
    expect(Number(await attr('#race-table tr[data-side="atomic"] td[data-lost]', 'data-lost'))).toBe(0);
  }, 90_000);

  it('when the replica holding a client\'s sessions is killed, then the Redis session lives on elsewhere and the memory session is gone', async () => {
    await page.click('#sessions-body button:text-is("Create sessions")');
    const redis = '#sessions-table td[data-client="client-1"][data-store="redis"]';
    const memory = '#sessions-table td[data-client="client-1"][data-store="memory"]';
    await until('client-1\'s sessions', async () => (await attr(redis, 'data-status')) === '201' && (await attr(memory, 'data-status')) === '201');
    const holder = (await attr(redis, 'data-created-by'))!;
    const sessionId = (await attr(redis, 'data-session-id'))!;
    expect(holder).toMatch(/^app-\d$/);
    await page.click(`#sessions-table tr[data-client="client-1"] button[data-kill="${holder}"]`);
    await until('the sessions read again after the kill', async () => (await page.locator('#sessions-body .note').textContent())?.startsWith('After killing'), 60_000);
    expect({
      status: await attr(redis, 'data-status'),
      sessionId: await attr(redis, 'data-session-id'),
      servedByAnother: (await attr(redis, 'data-served-by')) !== holder,
    }).toEqual({ status: '200', sessionId, servedByAnother: true });
    expect(await attr(memory, 'data-status')).toBe('401');
    expect(await page.locator(memory).textContent()).toContain('NO_SESSION');
    await componentIs(holder, 'down', false);
    await page.click(`[data-component="${holder}"] button[data-action="start"]`);
    await componentIs(holder, 'up', true);
  }, 120_000);

  it('when a chaos button stops a replica, then its process is really gone, and start brings it back ready', async () => {
    const target = cluster.replicas.at(-1)!.id;
    const before = Number(await attr(`[data-component="${target}"]`, 'data-pid'));
    expect(pidAlive(before)).toBe(true);
    await page.click(`[data-component="${target}"] button[data-action="stop"]`);
    await componentIs(target, 'down', false);
    expect(pidAlive(before)).toBe(false);
    expect(stoppedReplicas()).toEqual([target]);
    await page.click(`[data-component="${target}"] button[data-action="start"]`);
    await componentIs(target, 'up', true);
    const after = Number(await attr(`[data-component="${target}"]`, 'data-pid'));
    expect(pidAlive(after)).toBe(true);
    expect(clusterStatus()).toMatch(new RegExp(`^\\s*${target}\\s+ready\\s+${after}\\s`, 'm'));
  }, 120_000);

  it('when the lab controller goes away, then the page says so, and it is live again once the controller is back', async () => {
    const labPid = Number(/^\s*lab\s+ready\s+(\d+)/m.exec(clusterStatus())?.[1]);
    expect(pidAlive(labPid)).toBe(true);
    // The launcher offers no stop for the lab (the page would cut the branch it sits on): SIGTERM it.
    process.kill(labPid, 'SIGTERM');
    await until('the page to report the controller unavailable', async () => (await page.locator('#link-state').textContent())?.includes('unavailable'));
    expect(await page.locator('#status-line').textContent()).toContain('LAB_UNAVAILABLE');
    clusterCommand(cluster, ['start', 'lab']);
    await until('the event stream to be live again', async () => (await page.locator('#link-state').textContent())?.includes('live'), 60_000);
    expect(await page.locator('#status-line').textContent()).toContain('Connected to the lab controller again');
    for (const { id } of cluster.replicas) await componentIs(id, 'up', true);
  }, 120_000);

  it('when opened without a token, then it is read-only and says how to get the lab URL', async () => {
    const readOnly = await guardedContext(browser);
    try {
      const other = await readOnly.context.newPage();
      await other.goto(`${cluster.nginxUrl}/`);
      await other.locator('#link-state', { hasText: 'live' }).waitFor();
      expect(await other.locator('#token-state').textContent()).toContain('npm run demo');
      expect(await other.locator('#stream-body button:text-is("Send")').isDisabled()).toBe(true);
      expect(readOnly.blocked).toEqual([]);
    } finally {
      await readOnly.context.close();
    }
  }, 60_000);

  it('when everything above ran, then no request left this machine and the page threw no error', () => {
    expect(guarded.blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
