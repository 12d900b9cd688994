// Jest globalSetup for e2e: starts a whole native cluster with the launcher, exactly as
// `npm run cluster -- up` does, but in .cluster-test/ and on an unusual port block so it never
// meets a developer's own cluster. Private Redis and PostgreSQL are always used (REDIS_URL and
// DATABASE_URL are dropped) so the fresh-machine path is what gets tested.
import { mkdirSync, writeFileSync } from 'node:fs';
import { e2eClusterDir, e2eInfoFile, pickPortBlock, type E2eCluster } from './e2e-cluster';
import { runLauncherVisibly } from '../../cluster/launcher';
import { nginxUrl, prometheusUrl } from '../../cluster/topology';

const REPLICAS = 3;

/** Progress goes to stderr so a CI log shows each component becoming ready. */
async function launcher(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const code = await runLauncherVisibly(args, { env, timeoutMs: 600_000 });
  if (code !== 0) throw new Error(`e2e: \`node scripts/cluster.mjs ${args.join(' ')}\` exited with ${code}`);
}

export default async function e2eSetup(): Promise<void> {
  const { env: portEnv, topology } = await pickPortBlock(REPLICAS);
  const clusterEnv: Record<string, string> = {
    CLUSTER_DIR: e2eClusterDir,
    REPLICAS: String(REPLICAS),
    NODE_ENV: 'production',
    ...portEnv,
  };
  const env: NodeJS.ProcessEnv = { ...process.env, ...clusterEnv };
  delete env.REDIS_URL;
  delete env.DATABASE_URL;

  process.stderr.write(`\n[e2e] starting a test cluster in ${e2eClusterDir} (nginx on ${topology.nginxPort})\n`);
  // A previous run that was killed may have left its cluster behind: stop it by its pid files.
  await launcher(['down', '--clean'], env);
  await launcher(['up'], env);

  const cluster: E2eCluster = {
    clusterDir: e2eClusterDir,
    nginxUrl: nginxUrl(topology),
    prometheusUrl: prometheusUrl(topology),
    env: clusterEnv,
    replicas: topology.replicas.slice(0, REPLICAS).map(({ id, port }) => ({ id, port })),
  };
  mkdirSync(e2eClusterDir, { recursive: true });
  writeFileSync(e2eInfoFile, `${JSON.stringify(cluster, null, 2)}\n`);
  // Test workers start after globalSetup and inherit these: the URLs, and the launcher's own
  // variables so tools that read the topology (the bench CLI, the launcher) find this cluster.
  process.env.STATELAB_E2E_NGINX_URL = cluster.nginxUrl;
  process.env.STATELAB_E2E_PROMETHEUS_URL = cluster.prometheusUrl;
  for (const [name, value] of Object.entries(clusterEnv)) if (name !== 'NODE_ENV') process.env[name] = value;
}
