// The native cluster's topology for TypeScript callers: the one list of replicas and ports is the
// launcher's own (scripts/lib/topology.mjs, plain ESM so it runs before `npm ci`), imported here.
import type { ReplicaAddress, Topology } from '../scripts/lib/topology.mjs';

export { loadTopology, portBlockEnv, portsInUse, REPO_ROOT, topologyEnv } from '../scripts/lib/topology.mjs';
export type { PortUse, RedisMode, ReplicaAddress, Topology } from '../scripts/lib/topology.mjs';

/** nginx, the cluster's one entry point. */
export function nginxUrl(topology: Pick<Topology, 'nginxPort'>): string {
  return `http://127.0.0.1:${topology.nginxPort}`;
}

export function prometheusUrl(topology: Pick<Topology, 'prometheusPort'>): string {
  return `http://127.0.0.1:${topology.prometheusPort}`;
}

/** One replica directly, bypassing nginx. */
export function replicaUrl(replica: ReplicaAddress): string {
  return `http://${replica.host}:${replica.port}`;
}
