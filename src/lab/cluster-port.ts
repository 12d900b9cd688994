import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ComponentState, LabAction } from './lab-types';

/**
 * The launcher's process control, as the lab sees it. The implementation is the launcher's own
 * scripts/lib/cluster-control.mjs — the same code behind `npm run cluster -- stop app-2` — so a
 * chaos button and a terminal command can never disagree about what "stop" means.
 */
export interface ClusterControl {
  inspectCluster(clusterDir: string): Promise<ComponentState[]>;
  act(clusterDir: string, name: string, action: LabAction, options?: { operator?: boolean; env?: Record<string, string> }): Promise<string>;
  rollingRestart(clusterDir: string, options?: { onStep?: (message: string) => void }): Promise<string[]>;
  withClusterLock<T>(clusterDir: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T>;
}

/** What the lab reads from the launcher's state.json (written by scripts/cluster.mjs). */
export interface ClusterRecord {
  topology: { replicas: { id: string; host: string; port: number }[]; nginxPort: number };
  components: { name: string }[];
  /** Where Redis and PostgreSQL are (the private ones, or REDIS_URL / DATABASE_URL). */
  urls: { redis: string; database: string };
}

export function readClusterRecord(clusterDir: string): ClusterRecord {
  return JSON.parse(readFileSync(path.join(clusterDir, 'state.json'), 'utf8')) as ClusterRecord;
}

/**
 * Loads scripts/lib/cluster-control.mjs. The launcher's scripts are plain ES modules (they run
 * before `npm ci`); Node ≥ 20.19 `require()`s an ES module without a flag, which keeps this
 * CommonJS service synchronous at boot.
 */
export function loadClusterControl(repoRoot: string): ClusterControl {
  return require(path.join(repoRoot, 'scripts', 'lib', 'cluster-control.mjs')) as ClusterControl;
}
