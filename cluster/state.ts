// What the launcher recorded about a running cluster (<CLUSTER_DIR>/state.json, owner-only): the
// one loader for TypeScript callers, over the launcher's own reader.
import path from 'node:path';
import type { ClusterState, ComponentRecord } from '../scripts/lib/cluster-state.mjs';
import { readState, statePaths } from '../scripts/lib/cluster-state.mjs';
import { isPidAlive } from '../scripts/lib/processes.mjs';

export type { ClusterState, ComponentRecord } from '../scripts/lib/cluster-state.mjs';

/** The recorded state of the cluster in `clusterDir`, or undefined when none was started there. */
export function readClusterState(clusterDir: string): ClusterState | undefined {
  return readState(clusterDir);
}

/** The same for callers that need a running cluster: a clear error when there is none. */
export function requireClusterState(clusterDir: string): ClusterState {
  const state = readState(clusterDir);
  if (!state) throw new Error(`no cluster is running in ${clusterDir} (no state.json); start one with: npm run cluster -- up`);
  return state;
}

/** Recorded components whose names match and whose process is alive: what the bench pins and measures. */
export function liveComponents(state: ClusterState | undefined, names: RegExp): ComponentRecord[] {
  return (state?.components ?? []).filter((c) => names.test(c.name) && isPidAlive(c.pid));
}

/** The lab controller's token (the lab URL carries it). */
export function labToken(state: ClusterState): string {
  if (!state.lab?.token) throw new Error(`no lab token in ${state.topology.clusterDir}/state.json: did the launcher start the lab?`);
  return state.lab.token;
}

/** Where Redis and PostgreSQL are, as the replicas were told. */
export function serviceUrls(state: ClusterState): { redis: string; database: string } {
  if (!state.urls) throw new Error(`${state.topology.clusterDir}/state.json names no Redis/PostgreSQL yet: the cluster is still starting`);
  return state.urls;
}

/** A component's log file (`npm run cluster -- logs <name>` shows the same). */
export function logFile(clusterDir: string, name: string): string {
  return path.join(statePaths(clusterDir).logDir, `${name}.log`);
}
