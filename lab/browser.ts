// A real Chromium for the lab page, driven by playwright-core: its e2e tests and
// `npm run lab:screenshot` share it. Debian's chromium package is used (Playwright's own browser
// downloads cannot be reached from our machines); a route guard keeps the page from reaching
// anything but this machine, and records what it tried.
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { requireCommand } from '../scripts/lib/system-packages.mjs';

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

/** Debian's chromium, installed by the shared installer (`npm test`, `npm run lab:screenshot`). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: requireCommand('chromium'), headless: true, args: CHROMIUM_FLAGS });
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
