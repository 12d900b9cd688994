// Jest globalTeardown for e2e: stops the test cluster by its pid files and removes its
// directory, except artifacts/ (screenshots the tests leave for a human to look at).
// STATELAB_E2E_KEEP=1 keeps all of .cluster-test/ (logs, data) for a post-mortem.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { e2eCluster, e2eClusterDir, e2eInfoFile, repoRoot } from './e2e-cluster';

export default async function e2eTeardown(): Promise<void> {
  if (!existsSync(e2eClusterDir)) return;
  const clusterEnv = existsSync(e2eInfoFile) ? e2eCluster().env : { CLUSTER_DIR: e2eClusterDir };
  execFileSync(process.execPath, ['scripts/cluster.mjs', 'down'], {
    cwd: repoRoot,
    env: { ...process.env, ...clusterEnv },
    stdio: ['ignore', 2, 2],
    timeout: 120_000,
  });
  if (process.env.STATELAB_E2E_KEEP === '1') return;
  for (const entry of readdirSync(e2eClusterDir)) {
    if (entry !== 'artifacts') rmSync(path.join(e2eClusterDir, entry), { recursive: true, force: true });
  }
}
