// Runs `npm run chaos -- …` for an e2e test, as one Node process (tsx as an --import hook, so the
// child's pid is the chaos run itself). A run still going at its deadline is asked for a Node
// diagnostic report (SIGUSR2) before it is killed: the report's JavaScript stack and open handles,
// with the process state from /proc, say where a cut-off run was waiting — or that its event loop
// was busy — instead of only that it was cut off.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './e2e-cluster';
import { procStat } from '../../cluster/processes';

export interface ChaosRun {
  /** Exit code; null when the run was killed at its deadline. */
  code: number | null;
  /** Everything it printed: stdout (the verdict lines), then stderr (its progress log). */
  output: string;
  /** Set when the deadline cut the run off: what the process was doing then. */
  cutOff?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ChaosRun> {
  const reportDir = mkdtempSync(path.join(tmpdir(), 'statelab-chaos-report-'));
  const child = spawn(
    process.execPath,
    ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${reportDir}`, '--import', 'tsx', 'chaos/cli.ts', ...args],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), timeoutMs);
  });
  const first = await Promise.race([exited, deadline]);
  clearTimeout(timer);
  try {
    if (first !== 'deadline') return { code: first, output: `${stdout}${stderr}` };
    const cutOff = await diagnose(child.pid!, reportDir, timeoutMs);
    child.kill('SIGKILL');
    await exited;
    return { code: null, output: `${stdout}${stderr}`, cutOff };
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

/** /proc state and CPU time, then the diagnostic report's stack and active handles. */
async function diagnose(pid: number, reportDir: string, timeoutMs: number): Promise<string> {
  const lines = [`the chaos run was still going after ${timeoutMs / 1000} s (pid ${pid}); killed it`];
  const stat = procStat(pid);
  // The state letter (R running, S sleeping) and the CPU time it used.
  lines.push(stat ? `process state ${stat.state}, CPU ${stat.cpuSeconds} s` : 'no /proc entry for it');
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 50 && readdirSync(reportDir).length === 0; i += 1) await sleep(100);
  const [file] = readdirSync(reportDir);
  if (!file || !existsSync(path.join(reportDir, file))) {
    lines.push('it wrote no diagnostic report within 5 s of SIGUSR2');
    return lines.join('\n');
  }
  await sleep(200); // the report is written in one go; give the write a moment to finish
  try {
    const report = JSON.parse(readFileSync(path.join(reportDir, file), 'utf8')) as {
      javascriptStack?: { message?: string; stack?: string[] };
      libuv?: { type: string; is_active: boolean; is_referenced?: boolean; remoteEndpoint?: { host: string; port: number }; firesInMsFromNow?: number }[];
    };
    const stack = report.javascriptStack?.stack ?? [];
    // An empty stack means the event loop was idle, waiting on the handles below.
    lines.push(stack.length ? `JavaScript running at SIGUSR2 (a busy event loop):` : 'no JavaScript running at SIGUSR2 (the event loop was waiting)', ...stack.slice(0, 12).map((f) => `  ${f}`));
    // Sockets, timers and child processes; libuv's own async/check/prepare handles say nothing here.
    const active = (report.libuv ?? []).filter((h) => h.is_active && ['tcp', 'udp', 'pipe', 'timer', 'process'].includes(h.type));
    const describe = (h: (typeof active)[number]) =>
      h.remoteEndpoint ? `${h.type} → ${h.remoteEndpoint.host}:${h.remoteEndpoint.port}` : h.firesInMsFromNow !== undefined ? `${h.type} in ${h.firesInMsFromNow} ms` : h.type;
    lines.push(`active handles (${active.length}): ${active.map(describe).join(', ')}`);
  } catch (err) {
    lines.push(`its diagnostic report did not parse: ${(err as Error).message}`);
  }
  return lines.join('\n');
}
