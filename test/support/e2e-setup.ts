// Jest globalSetup for e2e: starts a whole native cluster with the launcher, exactly as
// `npm run cluster -- up` does, but in .cluster-test/ and on an unusual port block so it never
// meets a developer's own cluster. Private Redis and PostgreSQL are always used (REDIS_URL and
// DATABASE_URL are dropped) so the fresh-machine path is what gets tested.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { e2eClusterDir, e2eInfoFile, pickPortBlock, repoRoot, type E2eCluster } from './e2e-cluster';

const REPLICAS = 3;

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
  const ports = await pickPortBlock(REPLICAS);
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
