// Jest globalTeardown for e2e: stops the test cluster by its pid files and removes its
// directory, except artifacts/ (screenshots the tests leave for a human to look at).
// STATELAB_E2E_KEEP=1 keeps all of .cluster-test/ (logs, data) for a post-mortem.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { e2eCluster, e2eClusterDir, e2eInfoFile } from './e2e-cluster';
import { runLauncherVisibly } from '../../cluster/launcher';

export default async function e2eTeardown(): Promise<void> {
  if (!existsSync(e2eClusterDir)) return;
  const clusterEnv = existsSync(e2eInfoFile) ? e2eCluster().env : { CLUSTER_DIR: e2eClusterDir };
  const code = await runLauncherVisibly(['down'], { env: { ...process.env, ...clusterEnv }, timeoutMs: 120_000 });
  if (code !== 0) throw new Error(`e2e: \`node scripts/cluster.mjs down\` exited with ${code}`);
  if (process.env.STATELAB_E2E_KEEP === '1') return;
  for (const entry of readdirSync(e2eClusterDir)) {
    if (entry !== 'artifacts') rmSync(path.join(e2eClusterDir, entry), { recursive: true, force: true });
  }
}
