// Types of topology.mjs for the TypeScript tools (cluster/topology.ts re-exports them).
export interface ReplicaAddress {
  id: string;
  host: string;
  port: number;
}

export type RedisMode = 'standalone' | 'sentinel';

export interface Topology {
  replicas: ReplicaAddress[];
  redisMode: RedisMode;
  redisHa: { masterName: string; replicaPort: number; sentinels: { id: string; port: number }[]; quorum: number };
  nginxPort: number;
  nginxStatusPort: number;
  prometheusPort: number;
  labPort: number;
  redisPort: number;
  postgresPort: number;
  exporters: { redis: number; postgres: number; nginx: number };
  rateLimit: { rps: number; burst: number };
  /** PROMETHEUS_HOST: loopback unless asked. */
  prometheusHost: '127.0.0.1' | '0.0.0.0';
  /** The private Redis's maxmemory (REDIS_MAXMEMORY_MB). */
  redisMaxmemoryMb: number;
  /** Set when the cluster uses an outside Redis / PostgreSQL instead of private ones. */
  redisUrl: string | undefined;
  databaseUrl: string | undefined;
  clusterDir: string;
}

export interface PortUse {
  port: number;
  owner: string;
  envName: string;
}

export const REPO_ROOT: string;
export const SETTINGS: ReadonlyArray<readonly [name: string, defaultValue: number, doc: string]>;
export const REDIS_MODES: readonly RedisMode[];
export function loadTopology(env?: Record<string, string | undefined>): Topology;
export function portsInUse(topology: Topology): PortUse[];
export function portBlockEnv(base: number): Record<string, string>;
export function topologyEnv(topology: Topology): Record<string, string>;
