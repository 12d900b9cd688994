#!/usr/bin/env node
// `npm run lab:screenshot [-- out.png]`: opens the running cluster's lab page in Chromium (the same
// launcher and offline guard as the page's e2e test), presses a few of its buttons so every panel
// has something to show, and writes a 1440×900 screenshot (default docs/images/lab.png, the one
// the README shows). Needs a running cluster: `npm run cluster -- up` (or CLUSTER_DIR for another).
// Run through tsx, which lets this script share lab/browser.ts with the page's e2e test.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { guardedContext, launchChromium } from '../lab/browser.ts';
import { readState } from './lib/cluster-state.mjs';
import { ensureSystemPackages } from './lib/system-packages.mjs';
import { loadTopology, REPO_ROOT } from './lib/topology.mjs';

const out = resolve(process.argv[2] ?? `${REPO_ROOT}/docs/images/lab.png`);
const topology = loadTopology();
const state = readState(topology.clusterDir);
if (!state?.lab?.token) {
  console.error(`no running cluster with a lab in ${topology.clusterDir}; start one with: npm run cluster -- up`);
  process.exit(1);
}

const say = (line) => console.log(`[lab:screenshot] ${line}`);
ensureSystemPackages('screenshot', { log: say, warn: say });
const browser = await launchChromium();
try {
  const { context, blocked } = await guardedContext(browser, { width: 1440, height: 900 });
  const page = await context.newPage();
  await page.goto(`http://localhost:${state.topology.nginxPort}/#token=${state.lab.token}`);
  await page.locator('#link-state', { hasText: 'live' }).waitFor();
  // Every panel at once, for the README's overview (a worksheet alone shows only its own).
  await page.click('[data-panel-toggle="all"]');
  await page.click('#sessions-body button:text-is("Create sessions")');
  await page.fill('#race-k', '100');
  await page.click('#race-body button:text-is("Fire")');
  await page.locator('#race-table tr[data-side="naive"]').first().waitFor({ timeout: 60_000 });
  await page.click('#clients-body button:text-is("all three")');
  await page.waitForTimeout(3_000); // those three runs finish before the stream's own run starts
  await page.selectOption('#stream-family', 'stateless');
  await page.fill('#stream-count', '120');
  await page.fill('#stream-rate', '40');
  await page.click('#stream-body button:text-is("Send")');
  await page.locator('#stream-body .run-status[data-received="120"]').waitFor({ timeout: 30_000 });
  await page.selectOption('#worksheet-picker', '1');
  await page.click('#worksheet-check');
  await page.locator('#worksheet-result', { hasText: 'Checked at' }).waitFor();
  await page.evaluate('window.scrollTo(0, 0)');
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  if (blocked.length) throw new Error(`the page tried to leave this machine: ${blocked.join(', ')}`);
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
