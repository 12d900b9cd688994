// The ONE list of replicas and ports. nginx, Prometheus and the launcher all read it, so adding
// a replica or moving a port is one environment variable, never three edited files.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Every setting: env name, default and a one-line doc (printed by `cluster.mjs help`). */
export const SETTINGS = [
  ['REPLICAS', 3, 'number of app replicas (app-1..app-N)'],
  ['APP_BASE_PORT', 3001, 'native port of app-1; app-N listens on APP_BASE_PORT+N-1'],
  ['NGINX_PORT', 8080, 'public port of nginx (lab page and API)'],
  ['NGINX_STATUS_PORT', 8089, 'nginx stub_status, bound to 127.0.0.1 only'],
  ['LAB_PORT', 8088, 'lab controller, bound to 127.0.0.1 only (nginx proxies /lab/api/ to it)'],
  ['PROMETHEUS_PORT', 9090, 'Prometheus web UI and API'],
  ['REDIS_PORT', 6380, 'private Redis (unused when REDIS_URL is set); the first primary in REDIS_MODE=sentinel'],
  ['REDIS_REPLICA_PORT', 6381, 'REDIS_MODE=sentinel: the Redis replica'],
  ['SENTINEL_PORT', 26380, 'REDIS_MODE=sentinel: sentinel-1 (sentinel-2 and -3 on the next two ports)'],
  ['POSTGRES_PORT', 5433, 'private PostgreSQL (unused when DATABASE_URL is set)'],
  ['REDIS_EXPORTER_PORT', 9121, 'prometheus-redis-exporter'],
  ['POSTGRES_EXPORTER_PORT', 9187, 'prometheus-postgres-exporter'],
  ['NGINX_EXPORTER_PORT', 9113, 'prometheus-nginx-exporter'],
  ['NGINX_RATE_LIMIT_RPS', 20000, 'nginx limit_req rate per client address (requests/s); 0 disables it'],
  ['NGINX_RATE_LIMIT_BURST', 40000, 'nginx limit_req burst per client address'],
  ['REDIS_MAXMEMORY_MB', 256, 'private Redis memory bound; full, it refuses writes (noeviction) and the replicas answer 503 REDIS_FULL'],
];

/** Where Prometheus may listen: loopback unless asked (it has no login of its own). */
export const PROMETHEUS_HOSTS = ['127.0.0.1', '0.0.0.0'];

function intFromEnv(env, name, fallback, { min, max }) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${raw} is not an integer between ${min} and ${max}`);
  }
  return value;
}

/**
 * Reads the topology from `env`. Throws a message naming the variable on a bad value or on two
 * components sharing a port.
 */
export function loadTopology(env = process.env) {
  const get = (name, range = { min: 1, max: 65535 }) => {
    const setting = SETTINGS.find(([n]) => n === name);
    return intFromEnv(env, name, setting[1], range);
  };
  const replicaCount = get('REPLICAS', { min: 1, max: 32 });
  const appBasePort = get('APP_BASE_PORT');
  const replicas = Array.from({ length: replicaCount }, (_, i) => ({
    id: `app-${i + 1}`,
    host: '127.0.0.1',
    port: appBasePort + i,
  }));
  const redisMode = env.REDIS_MODE || 'standalone';
  if (!REDIS_MODES.includes(redisMode)) throw new Error(`REDIS_MODE=${redisMode} is not one of ${REDIS_MODES.join(', ')}`);
  if (redisMode === 'sentinel' && env.REDIS_URL) {
    throw new Error('REDIS_MODE=sentinel starts its own primary, replica and three Sentinels: unset REDIS_URL');
  }
  const sentinelPort = get('SENTINEL_PORT', { min: 1, max: 65533 });
  const prometheusHost = env.PROMETHEUS_HOST || '127.0.0.1';
  if (!PROMETHEUS_HOSTS.includes(prometheusHost)) throw new Error(`PROMETHEUS_HOST=${prometheusHost} is not one of ${PROMETHEUS_HOSTS.join(', ')}`);
  const topology = {
    replicas,
    redisMode,
    // Teaching note: three Sentinels, quorum two — one Sentinel alone must never be able to
    // declare the primary dead (it may be the one cut off), and two of three still decide when
    // any one is lost.
    redisHa: {
      masterName: 'statelab',
      replicaPort: get('REDIS_REPLICA_PORT'),
      sentinels: [0, 1, 2].map((i) => ({ id: `sentinel-${i + 1}`, port: sentinelPort + i })),
      quorum: 2,
    },
    nginxPort: get('NGINX_PORT'),
    nginxStatusPort: get('NGINX_STATUS_PORT'),
    prometheusPort: get('PROMETHEUS_PORT'),
    prometheusHost,
    redisMaxmemoryMb: get('REDIS_MAXMEMORY_MB', { min: 16, max: 1_048_576 }),
    labPort: get('LAB_PORT'),
    redisPort: get('REDIS_PORT'),
    postgresPort: get('POSTGRES_PORT'),
    exporters: {
      redis: get('REDIS_EXPORTER_PORT'),
      postgres: get('POSTGRES_EXPORTER_PORT'),
      nginx: get('NGINX_EXPORTER_PORT'),
    },
    rateLimit: {
      rps: get('NGINX_RATE_LIMIT_RPS', { min: 0, max: 1_000_000 }),
      burst: get('NGINX_RATE_LIMIT_BURST', { min: 0, max: 10_000_000 }),
    },
    redisUrl: env.REDIS_URL || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    clusterDir: resolve(REPO_ROOT, env.CLUSTER_DIR || '.cluster'),
  };
  assertDistinctPorts(topology);
  return topology;
}

export const REDIS_MODES = ['standalone', 'sentinel'];

/**
 * The inverse of loadTopology: the environment that gives back exactly `topology`
 * (`loadTopology(topologyEnv(t))` equals `t`). For a tool started by another one that must reach
 * the same cluster (the lab starts the bench this way). Every variable is set — an outside
 * Redis/PostgreSQL that is not used as the empty string, which loadTopology reads as unset — so
 * nothing of the caller's own environment can point the child at another cluster.
 */
export function topologyEnv(topology) {
  const replicaPorts = topology.replicas.map((r) => r.port);
  if (topology.replicas.some((r, i) => r.id !== `app-${i + 1}` || r.host !== '127.0.0.1' || r.port !== replicaPorts[0] + i)) {
    throw new Error('topologyEnv: the replicas are not app-1..N on consecutive 127.0.0.1 ports, so no environment gives them');
  }
  const sentinelPorts = topology.redisHa.sentinels.map((s) => s.port);
  if (sentinelPorts.some((port, i) => port !== sentinelPorts[0] + i)) throw new Error('topologyEnv: the Sentinels are not on consecutive ports');
  const values = {
    REPLICAS: topology.replicas.length,
    APP_BASE_PORT: replicaPorts[0],
    NGINX_PORT: topology.nginxPort,
    NGINX_STATUS_PORT: topology.nginxStatusPort,
    LAB_PORT: topology.labPort,
    PROMETHEUS_PORT: topology.prometheusPort,
    REDIS_PORT: topology.redisPort,
    REDIS_REPLICA_PORT: topology.redisHa.replicaPort,
    SENTINEL_PORT: sentinelPorts[0],
    POSTGRES_PORT: topology.postgresPort,
    REDIS_EXPORTER_PORT: topology.exporters.redis,
    POSTGRES_EXPORTER_PORT: topology.exporters.postgres,
    NGINX_EXPORTER_PORT: topology.exporters.nginx,
    NGINX_RATE_LIMIT_RPS: topology.rateLimit.rps,
    NGINX_RATE_LIMIT_BURST: topology.rateLimit.burst,
    REDIS_MAXMEMORY_MB: topology.redisMaxmemoryMb,
  };
  const missing = SETTINGS.map(([name]) => name).filter((name) => !(name in values));
  if (missing.length) throw new Error(`topologyEnv: no value for ${missing.join(', ')}`);
  return {
    ...Object.fromEntries(Object.entries(values).map(([name, value]) => [name, String(value)])),
    REDIS_MODE: topology.redisMode,
    PROMETHEUS_HOST: topology.prometheusHost,
    REDIS_URL: topology.redisUrl ?? '',
    DATABASE_URL: topology.databaseUrl ?? '',
    CLUSTER_DIR: topology.clusterDir,
  };
}

/** Every port the native cluster listens on, with the variable that moves it. */
export function portsInUse(topology) {
  const ports = topology.replicas.map((r) => ({ port: r.port, owner: r.id, envName: 'APP_BASE_PORT' }));
  ports.push(
    { port: topology.nginxPort, owner: 'nginx', envName: 'NGINX_PORT' },
    { port: topology.nginxStatusPort, owner: 'nginx stub_status', envName: 'NGINX_STATUS_PORT' },
    { port: topology.prometheusPort, owner: 'prometheus', envName: 'PROMETHEUS_PORT' },
    { port: topology.labPort, owner: 'lab', envName: 'LAB_PORT' },
    { port: topology.exporters.redis, owner: 'redis-exporter', envName: 'REDIS_EXPORTER_PORT' },
    { port: topology.exporters.postgres, owner: 'postgres-exporter', envName: 'POSTGRES_EXPORTER_PORT' },
    { port: topology.exporters.nginx, owner: 'nginx-exporter', envName: 'NGINX_EXPORTER_PORT' },
  );
  if (!topology.redisUrl) ports.push({ port: topology.redisPort, owner: 'redis', envName: 'REDIS_PORT' });
  if (topology.redisMode === 'sentinel') {
    ports.push({ port: topology.redisHa.replicaPort, owner: 'redis-replica', envName: 'REDIS_REPLICA_PORT' });
    for (const s of topology.redisHa.sentinels) ports.push({ port: s.port, owner: s.id, envName: 'SENTINEL_PORT' });
  }
  if (!topology.databaseUrl) ports.push({ port: topology.postgresPort, owner: 'postgres', envName: 'POSTGRES_PORT' });
  return ports;
}

function assertDistinctPorts(topology) {
  const seen = new Map();
  for (const { port, owner, envName } of portsInUse(topology)) {
    const other = seen.get(port);
    if (other) throw new Error(`port ${port} is given to both ${other} and ${owner}; change ${envName}`);
    seen.set(port, owner);
  }
}

/**
 * Where each port lands inside one block of 100 (test clusters: several can run on one machine,
 * each in its own block). The offsets echo the defaults' last digits (nginx 8080 → +80,
 * Prometheus 9090 → +90); app-N takes +N, sentinel-1..3 +75..+77.
 */
const PORT_BLOCK_OFFSETS = {
  APP_BASE_PORT: 1,
  NGINX_EXPORTER_PORT: 13,
  REDIS_EXPORTER_PORT: 21,
  POSTGRES_PORT: 32,
  SENTINEL_PORT: 75,
  REDIS_REPLICA_PORT: 78,
  REDIS_PORT: 79,
  NGINX_PORT: 80,
  POSTGRES_EXPORTER_PORT: 87,
  LAB_PORT: 88,
  NGINX_STATUS_PORT: 89,
  PROMETHEUS_PORT: 90,
};

/** The environment that moves every port of the topology into the block starting at `base`. */
export function portBlockEnv(base) {
  return Object.fromEntries(Object.entries(PORT_BLOCK_OFFSETS).map(([name, offset]) => [name, String(base + offset)]));
}
