// Helpers for the container suite: run docker / docker-compose, wait for health, and find what
// a project or stack left behind. Every name the suite creates starts with `statelab-ct`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');
export const IMAGE = 'statelab-ct:latest';
export const infoFile = path.join(repoRoot, '.containers-test.json');

export interface SuiteInfo {
  nginxPort: number;
  prometheusPort: number;
  imageStatus: Record<string, string>;
  imageBuildSeconds: number;
  imageSizeMB: number;
}

export function suiteInfo(): SuiteInfo {
  if (!existsSync(infoFile)) throw new Error(`${infoFile} missing: run the suite with npm run test:containers`);
  return JSON.parse(readFileSync(infoFile, 'utf8')) as SuiteInfo;
}

/** Runs a command, returns stdout; on failure throws with its stderr so the test says why. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): string {
  const result = spawnSync(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const why = result.error?.message ?? `exit ${result.status}`;
    throw new Error(`${command} ${args.join(' ')} failed (${why}):\n${(result.stderr ?? '').slice(-4000)}`);
  }
  return result.stdout;
}

/** Like run, but never throws: for cleanup paths that must go on. */
export function runQuietly(command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
  return result.stdout ?? '';
}

export const docker = (args: string[], timeoutMs?: number): string => run('docker', args, {}, timeoutMs);

export function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined; throws `what` on timeout. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 1_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** Containers, networks and volumes carrying a label (compose and Swarm both label theirs). */
export function leftovers(label: string): { containers: string[]; networks: string[]; volumes: string[] } {
  return {
    containers: lines(runQuietly('docker', ['ps', '-aq', '--filter', `label=${label}`])),
    networks: lines(runQuietly('docker', ['network', 'ls', '-q', '--filter', `label=${label}`])),
    volumes: lines(runQuietly('docker', ['volume', 'ls', '-q', '--filter', `label=${label}`])),
  };
}
