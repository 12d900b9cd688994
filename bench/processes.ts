// The server processes a bench run measures: the replicas of the native cluster (pids from the
// launcher's state file) and the harness's own baseline server. Used to pin them to cores
// (`--pin`), to report each one's memory (RSS) at the end of the run, and to report the CPU time
// each one (Redis included) spent per response.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ServerProcess {
  name: string;
  pid: number;
}

/**
 * Processes the launcher started, from `<CLUSTER_DIR>/state.json`: by default the replicas (app-N)
 * and nginx, the ones `--pin` moves.
 */
export function clusterProcesses(clusterDir: string, names: RegExp = /^(app-\d+|nginx)$/): ServerProcess[] {
  const file = path.join(clusterDir, 'state.json');
  if (!existsSync(file)) return [];
  const state = JSON.parse(readFileSync(file, 'utf8')) as { components?: { name?: string; pid?: number }[] };
  return (state.components ?? [])
    .filter((c): c is ServerProcess => typeof c.name === 'string' && typeof c.pid === 'number' && names.test(c.name))
    .filter((c) => existsSync(`/proc/${c.pid}`));
}

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on every Linux we know of). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** user + system CPU seconds of one process, from /proc/PID/stat; null once it is gone. */
function ownCpuSeconds(pid: number): { cpu: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) used so far by a process and its live children: nginx's work is
 * done by its workers, not by the master whose pid the launcher records.
 */
export function cpuSeconds(pid: number): number | null {
  const own = ownCpuSeconds(pid);
  if (!own) return null;
  let total = own.cpu;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    const child = ownCpuSeconds(Number(entry));
    if (child?.ppid === pid) total += child.cpu;
  }
  return total;
}

/** Resident set size in MiB (Linux /proc), or null where it cannot be read. */
export function rssMiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

export interface CorePlan {
  /** CPU list (taskset syntax) of the load generator: this process. */
  loadGenerator: string;
  /** CPU list of every server process. */
  servers: string;
}

/**
 * On a machine with few cores the load generator and the server fight for the same CPU, and the
 * ratio measures the scheduler. `--pin` gives the generator the last core and the servers the rest.
 */
export function corePlan(cpuCount = os.cpus().length): CorePlan {
  if (cpuCount < 2) throw new Error('--pin needs at least 2 CPU cores');
  const last = cpuCount - 1;
  return { loadGenerator: String(last), servers: last === 1 ? '0' : `0-${last - 1}` };
}

/** Every core: what the cluster's processes get back when the run is over. */
export function allCores(cpuCount = os.cpus().length): string {
  return `0-${cpuCount - 1}`;
}

/** `taskset -a -p -c CPUS PID`: every thread of the process, now and later. */
export function pinProcess(pid: number, cpus: string): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`--pin: taskset failed for pid ${pid} (is util-linux installed?): ${err instanceof Error ? err.message : String(err)}`);
  }
}
