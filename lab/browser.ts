// A real Chromium for the lab page, driven by playwright-core: its e2e tests and
// `npm run lab:screenshot` share it. Debian's chromium package is used (Playwright's own browser
// downloads cannot be reached from our machines); a route guard keeps the page from reaching
// anything but this machine, and records what it tried.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless Chromium that makes no network requests of its own. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const INSTALL = 'apt-get update && apt-get install -y chromium';

/**
 * Makes sure /usr/bin/chromium exists: installs Debian's package when we are root (as the
 * launcher does for nginx), otherwise fails with the command to run. Never skips.
 */
export function ensureChromium(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error(`The lab page tests need Chromium at ${CHROMIUM}. Install it with:\n    sudo ${INSTALL}`);
  log(`[browser] ${CHROMIUM} is missing: ${INSTALL}`);
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}); run: ${INSTALL}`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
}

export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Loopback only: the page must work offline, so any other host is a bug. */
function isLocal(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

export interface GuardedContext {
  context: BrowserContext;
  /** Every request the page tried to send off this machine (aborted). */
  blocked: string[];
}

/** A browser context whose requests to any host but this machine are aborted and recorded. */
export async function guardedContext(browser: Browser, viewport = { width: 1440, height: 900 }): Promise<GuardedContext> {
  const context = await browser.newContext({ viewport });
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  return { context, blocked };
}
