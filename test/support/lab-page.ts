// The lab page in a real Chromium for the lesson tests: open it with the lab token, choose a
// worksheet, press its buttons from the keyboard (focus + Enter, as a keyboard-only student
// would), check the worksheet until every step passes, and ask axe-core what it finds.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { guardedContext, launchChromium, type GuardedContext } from '../../lab/browser';
import { e2eCluster, labToken, untilEveryReplicaServes, type E2eCluster } from './e2e-cluster';

export interface LabPage {
  browser: Browser;
  guarded: GuardedContext;
  page: Page;
  /** Uncaught errors the page threw. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** The URL `npm run demo` prints: the page with the token that unlocks its buttons. */
export function labPageUrl(cluster: E2eCluster): string {
  return `${cluster.nginxUrl}/#token=${labToken(cluster)}`;
}

/** POST /lab/api/reset: the controller forgets what earlier files recorded, so checks start from nothing. */
export async function resetLab(cluster: E2eCluster): Promise<void> {
  const reset = await fetch(`${cluster.nginxUrl}/lab/api/reset`, { method: 'POST', headers: { 'x-lab-token': labToken(cluster) } });
  if (reset.status !== 200) throw new Error(`POST /lab/api/reset answered ${reset.status}`);
}

export async function openLabPage(cluster: E2eCluster, { withToken = true } = {}): Promise<LabPage> {
  const browser = await launchChromium();
  const guarded = await guardedContext(browser);
  const page = await guarded.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  // Destructive steps ask first (window.confirm); the student says yes.
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(withToken ? labPageUrl(cluster) : `${cluster.nginxUrl}/`);
  await page.locator('#link-state', { hasText: 'live' }).waitFor({ timeout: 30_000 });
  await page.locator('#worksheet-picker option').first().waitFor({ state: 'attached', timeout: 30_000 });
  return { browser, guarded, page, pageErrors, close: () => browser.close() };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Activates a button from the keyboard: every worksheet must work without a mouse. */
export async function press(target: Locator): Promise<void> {
  await target.focus();
  await target.press('Enter');
}

/** Chooses worksheet `id`: its panels come forward, the others go to the shelf. */
export async function chooseWorksheet(page: Page, id: number): Promise<void> {
  await page.locator('#worksheet-picker').selectOption(String(id));
  await page.locator(`#worksheet-head .summary`).waitFor();
}

/**
 * Presses *Check my work* until every step of the chosen worksheet passes (traffic runs are paced,
 * so a check may need a few seconds); returns the steps' text. Throws with the last result's text.
 */
export async function untilEveryStepPasses(page: Page, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  for (;;) {
    await press(page.locator('#worksheet-check'));
    await until('the check result', async () => (await page.locator('#worksheet-result').textContent())?.includes('Checked at'), 60_000);
    const result = (await page.locator('#worksheet-result').textContent()) ?? '';
    text = `${result}\n${(await page.locator('#worksheet-steps').innerText()).trim()}`;
    if (result.includes('every step passes')) return text;
    if (Date.now() > deadline) throw new Error(`the worksheet's steps did not all pass within ${timeoutMs} ms:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy (no inline
  // scripts) rightly does not let a <script> tag do; the string form needs no DOM types here.
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate('axe.run().then((r) => r.violations)')) as { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/**
 * How every lesson's e2e file begins: a cluster whose three replicas all serve (an earlier file's
 * kill must not be what this one measures), a lab with no history, and the page on worksheet `id`.
 */
export async function openLesson(id: number): Promise<{ cluster: E2eCluster; lab: LabPage }> {
  const cluster = e2eCluster();
  await untilEveryReplicaServes(cluster);
  await resetLab(cluster);
  const lab = await openLabPage(cluster);
  await chooseWorksheet(lab.page, id);
  return { cluster, lab };
}

/**
 * How it ends: a picture of the page for whoever reads a failure (the cluster's artifacts folder,
 * `lesson-NN.png`; `panel` scrolls that panel into view first, or shoots only it with
 * `panelOnly`), then the browser closes. Never throws: it runs after failures too.
 */
export async function closeLesson(lab: LabPage | undefined, cluster: E2eCluster, id: number, { panel, panelOnly = false }: { panel?: string; panelOnly?: boolean } = {}): Promise<void> {
  if (!lab) return;
  const artifacts = path.join(cluster.clusterDir, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `lesson-${String(id).padStart(2, '0')}.png`);
  if (panel && panelOnly) await lab.page.locator(panel).screenshot({ path: file }).catch(() => undefined);
  else {
    if (panel) await lab.page.locator(panel).scrollIntoViewIfNeeded().catch(() => undefined);
    await lab.page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  }
  await lab.close().catch(() => undefined);
}
