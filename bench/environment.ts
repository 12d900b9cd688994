// The environment stamp printed with every result (STYLE.md #10): a number without the machine,
// the versions and the command that produced it cannot be compared with anything.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Results } from './results-schema';

type Environment = Results['environment'];

const repoRoot = path.resolve(__dirname, '..');

/** First line of a command's output (stdout, else stderr: `nginx -v` prints to stderr), or "not found". */
function versionOf(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  if (result.error) return 'not found';
  const text = result.stdout.trim() || result.stderr.trim();
  return text.split('\n')[0] || 'unknown';
}

function postgresVersion(): string {
  const fromPath = versionOf('postgres', ['--version']);
  if (fromPath !== 'not found') return fromPath;
  // Debian keeps the server binaries out of PATH.
  for (const v of ['17', '16', '15', '14']) {
    const found = versionOf(`/usr/lib/postgresql/${v}/bin/postgres`, ['--version']);
    if (found !== 'not found') return found;
  }
  return 'not found';
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function collectEnvironment(commandLine: string, startedAt: Date): Environment {
  const cpus = os.cpus();
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    commandLine,
    gitCommit: git(['rev-parse', 'HEAD']) || 'unknown',
    gitDirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    node: process.version,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    cpuMHz: cpus.map((c) => c.speed),
    versions: {
      nginx: [versionOf('nginx', ['-v']), versionOf('/usr/sbin/nginx', ['-v'])].find((v) => v !== 'not found') ?? 'not found',
      redis: versionOf('redis-server', ['--version']),
      postgres: postgresVersion(),
    },
  };
}

/** The machine's CPU time counters (/proc/stat, first line, in clock ticks), or null off Linux. */
export function cpuTimes(): { total: number; steal: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already in user.
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/**
 * Share of the CPU time the hypervisor gave to other guests between two readings: on a shared
 * virtual machine this is the noise an instrument cannot see from inside its own processes.
 */
export function stealShare(before: ReturnType<typeof cpuTimes>, after: ReturnType<typeof cpuTimes>): number | null {
  if (!before || !after || after.total <= before.total) return null;
  return (after.steal - before.steal) / (after.total - before.total);
}

/** Above this share of stolen CPU the run says so: its numbers measure the neighbours too. */
export const MAX_STEAL_SHARE = 0.05;
