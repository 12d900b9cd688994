// Jest globalTeardown for e2e: stops the test cluster by its pid files and removes its
// directory. STATELAB_E2E_KEEP=1 keeps .cluster-test/ (logs, data) for a post-mortem.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { e2eCluster, e2eClusterDir, e2eInfoFile, repoRoot } from './e2e-cluster';

export default async function e2eTeardown(): Promise<void> {
  if (!existsSync(e2eClusterDir)) return;
  const clusterEnv = existsSync(e2eInfoFile) ? e2eCluster().env : { CLUSTER_DIR: e2eClusterDir };
  const args = ['scripts/cluster.mjs', 'down', ...(process.env.STATELAB_E2E_KEEP === '1' ? [] : ['--clean'])];
  execFileSync(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...clusterEnv },
    stdio: ['ignore', 2, 2],
    timeout: 120_000,
  });
}
