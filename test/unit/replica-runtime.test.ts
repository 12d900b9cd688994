// The allocator setting every replica runs with (scripts/lib/replica-runtime.json): scrypt's
// 16 MiB blocks must go back to the system when a hash is done. Without the setting glibc keeps
// them in per-thread arenas (measured on this machine: +63 MiB RSS after these ten hashes, for good; +1 MiB with it),
// and the replica that hashed the demo passwords at boot carried that for its whole life.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import replicaRuntime from '../../scripts/lib/replica-runtime.json';

const repoRoot = path.join(__dirname, '..', '..');

/** RSS growth (MiB) of a fresh process with the replicas' flags and environment after `hashes` scrypt hashes. */
function rssGrowthAfterHashes(hashes: number): { before: number; after: number } {
  const script = `
    const { hashPassword } = require('./src/features/auth/password');
    const mib = () => Math.round(process.memoryUsage().rss / 1048576);
    (async () => {
      const before = mib();
      for (let i = 0; i < ${hashes}; i += 1) await Promise.all([hashPassword('a' + i), hashPassword('b' + i)]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.stdout.write(JSON.stringify({ before, after: mib() }));
    })();`;
  const out = execFileSync(process.execPath, [...replicaRuntime.nodeFlags, '--import', 'tsx', '-e', script], {
    cwd: repoRoot,
    env: { ...process.env, ...replicaRuntime.env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { before: number; after: number };
}

describe('the replicas’ runtime settings', () => {
  it('when a replica-like process has hashed ten passwords (two at a time, as logins arrive), then its memory is back within one hash block of where it started', () => {
    const { before, after } = rssGrowthAfterHashes(5);
    // One 16 MiB block may still be mapped; the retained arenas measured +63 MiB.
    expect(after - before).toBeLessThan(20);
  });
});
