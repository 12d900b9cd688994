// One launcher command at a time per cluster dir (two `up`s racing would start everything
// twice). The lock file holds the owner's pid; a lock whose owner is gone is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPidAlive } from './processes.mjs';

const lockFile = (clusterDir) => join(clusterDir, 'launcher.lock');

/** Waits up to `timeoutMs` for the lock; throws naming the pid that holds it. */
export async function acquireLock(clusterDir, timeoutMs = 30_000) {
  mkdirSync(clusterDir, { recursive: true });
  const file = lockFile(clusterDir);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (!isPidAlive(owner)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another launcher command (pid ${owner}) is working on ${clusterDir}; wait for it or stop it`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function releaseLock(clusterDir) {
  const file = lockFile(clusterDir);
  try {
    if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}
