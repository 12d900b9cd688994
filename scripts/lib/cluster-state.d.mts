// Types of cluster-state.mjs: what the launcher records in <CLUSTER_DIR>/state.json.
import type { Topology } from './topology.mjs';

/** One component the launcher started: how to find, probe and stop it. */
export interface ComponentRecord {
  name: string;
  pid: number;
  log?: string;
  /** A fragment of its command line: a pid counts as this component only while it matches. */
  match?: string;
  url: string;
  statusUrl?: string;
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs?: number;
}

export interface ClusterState {
  startedAt: string;
  foreground: boolean;
  topology: Topology;
  components: ComponentRecord[];
  /** The environment every replica runs with (secrets included: state.json is 0600). */
  appEnv?: Record<string, string>;
  /** Where Redis and PostgreSQL are (the private ones, or REDIS_URL / DATABASE_URL). */
  urls?: { redis: string; database: string };
  /** The lab controller's token (the lab URL carries it). */
  lab?: { token: string };
  /** The per-cluster passwords of the private Redis, Sentinels and PostgreSQL (also in secrets.json). */
  secrets?: { redisPassword: string; sentinelPassword: string; postgresPassword: string };
}

export interface StatePaths {
  dir: string;
  stateFile: string;
  pidDir: string;
  logDir: string;
  configDir: string;
}

export function statePaths(clusterDir: string): StatePaths;
export function readState(clusterDir: string): ClusterState | undefined;
export function writeState(clusterDir: string, state: ClusterState): void;
export function livePid(clusterDir: string, name: string, match?: string): number | undefined;
