// The server processes a bench run measures: the replicas of the native cluster (pids from the
// launcher's state, read through cluster/) and the harness's own baseline server. Used to pin them
// to cores (`--pin`), to report each one's memory (RSS) at the end of the run, and to report the
// CPU time each one (Redis included) spent per response (from /proc, through cluster/processes).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { liveComponents, readClusterState } from '../cluster/state';

export { cpuSecondsWithChildren as cpuSeconds, rssMiB } from '../cluster/processes';

export interface ServerProcess {
  name: string;
  pid: number;
}

/** Processes the launcher started: by default the replicas (app-N) and nginx, the ones `--pin` moves. */
export function clusterProcesses(clusterDir: string, names: RegExp = /^(app-\d+|nginx)$/): ServerProcess[] {
  return liveComponents(readClusterState(clusterDir), names).map(({ name, pid }) => ({ name, pid }));
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
