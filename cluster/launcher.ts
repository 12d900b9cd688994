// The launcher's command line (`node scripts/cluster.mjs …`), run from TypeScript: the one wrapper
// the bench, the chaos runner and the tests use to start, stop and look at a native cluster.
import { execFile, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../scripts/lib/topology.mjs';

const execFileAsync = promisify(execFile);
const LAUNCHER = path.join(REPO_ROOT, 'scripts', 'cluster.mjs');
const DEFAULT_TIMEOUT_MS = 120_000;

export interface LaunchOptions {
  /** The launcher reads its topology (ports, CLUSTER_DIR, REDIS_MODE) from the environment. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** `status` exits 0 when every component is ready, 1 when some are not, 3 when nothing runs. */
export const STATUS = { ready: 0, partly: 1, notRunning: 3 } as const;

/** Runs one launcher command and returns its stdout; throws (with its output) when it fails. */
export function runLauncher(args: readonly string[], options: LaunchOptions = {}): string {
  return execFileSync(process.execPath, [LAUNCHER, ...args], {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/**
 * The same without blocking this process: for faults injected while this very process generates
 * load (a synchronous call would pause the clients at the moment of the fault).
 */
export async function runLauncherAsync(args: readonly string[], options: LaunchOptions = {}): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [LAUNCHER, ...args], {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  return stdout;
}

/**
 * A launcher command whose progress the user should see as it happens (`up` takes a while): its
 * output goes to this process's stderr, so a caller's stdout stays clean. Resolves with the exit code.
 */
export function runLauncherVisibly(args: readonly string[], options: LaunchOptions & { quiet?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], {
      cwd: REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', options.quiet ? 'ignore' : process.stderr, options.quiet ? 'ignore' : process.stderr],
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}

/**
 * The status table, also when some component is not ready: `status` exits 1 then (a stopped
 * replica, or a probe that missed its time on a busy machine), and the table is what callers read.
 */
export function statusTable(options: LaunchOptions = {}): string {
  try {
    return runLauncher(['status'], options);
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

/**
 * Makes sure the native cluster runs. Nothing running (a fresh clone): start it, and say so —
 * the caller stops it afterwards — unless `mayStart` is false (a tool started from the lab, whose
 * cluster is shared: then nothing running is an error). Partly running: an error when `strict`
 * (the caller asked for a whole cluster), otherwise a warning and the caller goes on (a lesson may
 * have stopped the lab or a replica on purpose). Returns whether it started the cluster.
 */
export async function ensureCluster(strict: boolean, say: (line: string) => void, { mayStart = true } = {}): Promise<boolean> {
  const status = await runLauncherVisibly(['status'], { quiet: true });
  if (status === STATUS.ready) return false;
  if (status === STATUS.partly) {
    if (strict) throw new Error('the native cluster is partly running; check `npm run cluster -- status` (or run `down`) first');
    say('warning: the native cluster is only partly ready (`npm run cluster -- status` says which part)');
    return false;
  }
  if (!mayStart) throw new Error('no native cluster is running, and --running-cluster starts none; start one with: npm run cluster -- up');
  say('no native cluster is running: starting one (`npm run cluster -- up`); it is stopped again after the run');
  const code = await runLauncherVisibly(['up']);
  if (code !== 0) throw new Error(`\`node scripts/cluster.mjs up\` failed with exit code ${code}`);
  return true;
}

export async function stopCluster(): Promise<void> {
  const code = await runLauncherVisibly(['down']);
  if (code !== 0) throw new Error(`\`node scripts/cluster.mjs down\` failed with exit code ${code}`);
}
