// Jest globalSetup for e2e: starts a whole native cluster with the launcher, exactly as
// `npm run cluster -- up` does, but in .cluster-test/ and on an unusual port block so it never
// meets a developer's own cluster. Private Redis and PostgreSQL are always used (REDIS_URL and
// DATABASE_URL are dropped) so the fresh-machine path is what gets tested.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { e2eClusterDir, e2eInfoFile, repoRoot, type E2eCluster } from './e2e-cluster';

// Offsets inside one block of 100 ports; the block moves until every port in it is free.
const OFFSETS = {
  APP_BASE_PORT: 1, // app-1..app-3: +1..+3
  REDIS_EXPORTER_PORT: 21,
  POSTGRES_PORT: 32,
  NGINX_EXPORTER_PORT: 13,
  REDIS_PORT: 79,
  NGINX_PORT: 80,
  POSTGRES_EXPORTER_PORT: 87,
  NGINX_STATUS_PORT: 89,
  PROMETHEUS_PORT: 90,
} as const;
const REPLICAS = 3;

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (taken: boolean) => {
      socket.destroy();
      resolve(taken);
    };
    socket.setTimeout(300, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function pickPortBlock(): Promise<Record<keyof typeof OFFSETS, number>> {
  for (let base = 28_000; base < 40_000; base += 200) {
    const ports = Object.fromEntries(Object.entries(OFFSETS).map(([k, off]) => [k, base + off])) as Record<keyof typeof OFFSETS, number>;
    const all = [...Object.values(ports), ...Array.from({ length: REPLICAS }, (_, i) => ports.APP_BASE_PORT + i)];
    const taken = await Promise.all(all.map(portTaken));
    if (!taken.some(Boolean)) return ports;
  }
  throw new Error('e2e: no free block of ports between 28000 and 40000');
}

function launcher(args: string[], env: NodeJS.ProcessEnv): void {
  // Progress goes to stderr so a CI log shows each component becoming ready.
  execFileSync(process.execPath, ['scripts/cluster.mjs', ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 2, 2],
    timeout: 600_000,
  });
}

export default async function e2eSetup(): Promise<void> {
  const ports = await pickPortBlock();
  const clusterEnv: Record<string, string> = {
    CLUSTER_DIR: e2eClusterDir,
    REPLICAS: String(REPLICAS),
    NODE_ENV: 'production',
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
  };
  const env: NodeJS.ProcessEnv = { ...process.env, ...clusterEnv };
  delete env.REDIS_URL;
  delete env.DATABASE_URL;

  process.stderr.write(`\n[e2e] starting a test cluster in ${e2eClusterDir} (nginx on ${ports.NGINX_PORT})\n`);
  // A previous run that was killed may have left its cluster behind: stop it by its pid files.
  launcher(['down', '--clean'], env);
  launcher(['up'], env);

  const cluster: E2eCluster = {
    clusterDir: e2eClusterDir,
    nginxUrl: `http://127.0.0.1:${ports.NGINX_PORT}`,
    prometheusUrl: `http://127.0.0.1:${ports.PROMETHEUS_PORT}`,
    env: clusterEnv,
    replicas: Array.from({ length: REPLICAS }, (_, i) => ({ id: `app-${i + 1}`, port: ports.APP_BASE_PORT + i })),
  };
  mkdirSync(e2eClusterDir, { recursive: true });
  writeFileSync(e2eInfoFile, `${JSON.stringify(cluster, null, 2)}\n`);
  // Test workers start after globalSetup and inherit these: the URLs, and the launcher's own
  // variables so tools that read the topology (the bench CLI, the launcher) find this cluster.
  process.env.STATELAB_E2E_NGINX_URL = cluster.nginxUrl;
  process.env.STATELAB_E2E_PROMETHEUS_URL = cluster.prometheusUrl;
  for (const [name, value] of Object.entries(clusterEnv)) if (name !== 'NODE_ENV') process.env[name] = value;
}
