// Lesson 8 in real Chromium through nginx, from the keyboard: two short benchmarks started from the
// bench panel run the real harness (bench/cli.ts) against the e2e cluster. What the page shows is
// checked against the results.json each run wrote, its report.html link against what the lab
// serves, the compare against both runs, and the worksheet until every step passes. Kept short (two
// scenarios, one run of 2 s each): it proves the path, never a speed.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fmt, percent } from '../../bench/report/format';
import { parseResults, type Results } from '../../bench/results-schema';
import { labToken, repoRoot, type E2eCluster } from '../support/e2e-cluster';
import { closeLesson, openLesson, press, seriousAxeViolations, until, untilEveryStepPasses, type LabPage } from '../support/lab-page';

jest.setTimeout(180_000);

let cluster: E2eCluster;
let lab: LabPage;
const runIds: string[] = [];
const figures: Record<string, unknown> = {};

async function post(urlPath: string, body: unknown): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const res = await fetch(`${cluster.nginxUrl}/lab/api${urlPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lab-token': labToken(cluster) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as never };
}

const results = (runId: string): Results => parseResults(JSON.parse(readFileSync(path.join(repoRoot, 'bench', 'results', runId, 'results.json'), 'utf8')));

/** Presses Run benchmark and waits for the run it started to finish; returns its run id. */
async function runFromThePage(duringTheRun?: () => Promise<void>): Promise<string> {
  const { page } = lab;
  const status = page.locator('#bench-status');
  const before = await status.getAttribute('data-run-id');
  await press(page.locator('#bench-run'));
  const runId = await until('the benchmark to start', async () => {
    const id = await status.getAttribute('data-run-id');
    return id && id !== before ? id : undefined;
  });
  await duringTheRun?.();
  await until('the benchmark to finish', async () => ['finished', 'failed'].includes((await status.getAttribute('data-state')) ?? '') && (await status.getAttribute('data-run-id')) === runId, 150_000);
  expect({ state: await status.getAttribute('data-state'), text: await status.textContent() }).toEqual({ state: 'finished', text: expect.stringContaining(runId) });
  runIds.push(runId);
  return runId;
}

beforeAll(async () => {
  ({ cluster, lab } = await openLesson(8));
}, 120_000);

afterAll(async () => {
  await closeLesson(lab, cluster, 8, { panel: '#panel-bench', panelOnly: true });
  // The runs this file made are the test cluster's, not the developer's: out of their Earlier runs.
  for (const id of runIds) rmSync(path.join(repoRoot, 'bench', 'results', id), { recursive: true, force: true });
  process.stderr.write(`[lesson 8] figures the page showed: ${JSON.stringify(figures)}\n`);
});

describe('lesson 8 on the page: state has a price', () => {
  it('when a short comparison is run from the page, then it runs alone, and the page shows exactly what its results.json holds', async () => {
    const { page } = lab;
    await page.locator('#panel-bench').waitFor();
    await page.selectOption('#bench-preset', 'session-read');
    await page.fill('#bench-runs', '1');
    await page.fill('#bench-duration', '2');
    await page.fill('#bench-warmup', '0');
    await page.fill('#bench-prediction', '0.7');
    const args = '--scenario stateless-info,stateful-session-read --runs 1 --duration 2 --warmup 0 --running-cluster';
    expect(await page.locator('#bench-command').textContent()).toMatch(new RegExp(`npm run bench -- ${args}$`));

    // Traffic already running is stopped by the benchmark; new traffic is refused while it runs.
    expect((await post('/traffic', { family: 'stateless', count: 2000, rate: 50 })).status).toBe(202);
    let liveReplicas: string[] = [];
    const runId = await runFromThePage(async () => {
      const traffic = await post('/traffic', { family: 'stateless', count: 10, rate: 10 });
      expect({ status: traffic.status, code: traffic.body.error?.code }).toEqual({ status: 409, code: 'TRAFFIC_PAUSED' });
      const second = await post('/lessons/state-has-a-price/runs', { scenarios: ['stateless-info'], runs: 1, durationSeconds: 1, warmupSeconds: 0 });
      expect({ status: second.status, code: second.body.error?.code }).toEqual({ status: 409, code: 'BENCH_RUNNING' });
      expect(second.body.error?.message).toContain('one at a time');
      await page.locator('#bench-live li[data-replica]').first().waitFor({ timeout: 60_000 });
      liveReplicas = await page.locator('#bench-live li[data-replica]').evaluateAll((items) => items.map((li) => li.getAttribute('data-replica')!));
      expect(await page.locator('#bench-status').textContent()).toMatch(/run 1 of 1 · step [12] of 2 · about \d+ s left/);
    });
    expect(liveReplicas.length).toBeGreaterThanOrEqual(1);

    const written = results(runId);
    expect(await page.locator('#bench-last-command').getAttribute('data-run-id')).toBe(runId);
    const command = (await page.locator('#bench-last-command').textContent())!;
    expect(command.endsWith(written.environment.commandLine)).toBe(true);
    expect(written.environment.commandLine).toBe(`npm run bench -- ${args} --out bench/results/${runId} --progress-json`);
    expect(written.settings).toMatchObject({ runs: 1, durationSeconds: 2, warmupSeconds: 0, targetKind: 'nginx', startedCluster: false });

    const shown = await page.locator('#bench-ratios tr[data-ratio]').evaluateAll((rows) =>
      rows.map((tr) => ({ name: tr.getAttribute('data-ratio'), median: Number(tr.getAttribute('data-median')), text: tr.querySelector('.ratio-median')?.textContent })));
    expect(shown).toEqual(written.ratios.map((r) => ({ name: r.name, median: r.summary.median, text: fmt(r.summary.median, 2) })));
    const ratio = written.ratios.find((r) => r.name === 'stateful-read / stateless-info')!;
    const answer = (await page.locator('#bench-answer').getAttribute('data-answer'))!;
    expect(answer).toContain(`a session read through Redis served ${fmt(ratio.summary.median, 2)}× the requests/s of a stateless request`);
    for (const s of written.scenarios) expect(answer).toContain(fmt(s.summary.requestsPerSecond.median));

    const shares = await page.locator('#bench-shares tr[data-scenario] td[data-replica]').evaluateAll((cells) =>
      cells.map((td) => ({ scenario: td.closest('tr')!.getAttribute('data-scenario'), replica: td.getAttribute('data-replica'), share: Number(td.getAttribute('data-share')), text: td.textContent })));
    for (const s of written.scenarios) {
      const total = Object.values(s.summary.perReplica).reduce((a, b) => a + b, 0);
      for (const [replica, n] of Object.entries(s.summary.perReplica)) {
        expect(shares).toContainEqual({ scenario: s.name, replica, share: n / total, text: percent(n / total) });
      }
    }
    const warnings = await page.locator('ul#bench-warnings li').allTextContents();
    expect(warnings).toEqual(written.warnings.map((w) => `⚠ ${w}`));

    const href = (await page.locator('#bench-report').getAttribute('href'))!;
    expect(href).toBe(`/lab/api/lessons/state-has-a-price/runs/${runId}/report.html`);
    const report = await fetch(`${cluster.nginxUrl}${href}`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/^text\/html/);
    expect(report.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    const html = await report.text();
    expect(html).toBe(readFileSync(path.join(repoRoot, 'bench', 'results', runId, 'report.html'), 'utf8'));
    expect((await fetch(`${cluster.nginxUrl}/lab/api/lessons/state-has-a-price/runs/..%2F..%2Fpackage.json/report.html`)).status).toBe(400);

    await page.locator(`#bench-runs-list tr[data-run-id="${runId}"]`).waitFor();
    await page.fill('#bench-reading', fmt(ratio.summary.median, 2));
    await press(page.locator('#bench-check-reading'));
    await until('the reading to be checked', async () => (await page.locator('#bench-reading-result').getAttribute('data-close')) === 'true');

    // Every request of the traffic run started before the benchmark was sent before it started.
    const state = (await (await fetch(`${cluster.nginxUrl}/lab/api/state`)).json()) as { recent: { purpose: string; at: number }[] };
    const startedAt = Date.parse(written.environment.startedAt);
    expect(state.recent.filter((e) => e.purpose === 'traffic' && e.at > startedAt)).toEqual([]);

    Object.assign(figures, {
      first: { runId, ratio: ratio.summary.median, rps: Object.fromEntries(written.scenarios.map((s) => [s.name, Math.round(s.summary.requestsPerSecond.median ?? 0)])), answer, warnings: written.warnings },
      liveReplicas,
    });
  });

  it('when the comparison is run again, then both runs are listed, compare side by side, and every step of the worksheet passes', async () => {
    const { page } = lab;
    const [first] = runIds;
    const second = await runFromThePage();
    const ratio = results(second).ratios.find((r) => r.name === 'stateful-read / stateless-info')!;
    for (const id of [first, second]) await page.locator(`#bench-runs-list tr[data-run-id="${id}"]`).waitFor();
    await page.selectOption('#bench-compare-a', first!);
    await page.selectOption('#bench-compare-b', second);
    await press(page.locator('#bench-compare'));
    const rows = page.locator(`#bench-comparison[data-a="${first}"][data-b="${second}"] tr[data-scenario]`);
    await rows.first().waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-scenario'), tr.getAttribute('data-verdict')]))).toEqual([
      ['stateless-info', 'cannot tell (needs ≥ 2 runs on each side)'],
      ['stateful-session-read', 'cannot tell (needs ≥ 2 runs on each side)'],
    ]);
    expect(await page.locator('#bench-compare + code.command').textContent()).toBe(`npm run bench:compare -- bench/results/${first} bench/results/${second}`);

    const steps = await untilEveryStepPasses(page);
    expect(steps).toContain('you predicted 0.70×');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(lab.pageErrors).toEqual([]);
    expect(lab.guarded.blocked).toEqual([]);
    figures.second = { runId: second, ratio: ratio.summary.median };
  });
});
