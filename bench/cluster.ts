// --start-cluster: the harness drives the native launcher (scripts/cluster.mjs) and stops the
// cluster afterwards only when it was the one that started it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const repoRoot = path.resolve(__dirname, '..');
const launcher = path.join(repoRoot, 'scripts', 'cluster.mjs');

export interface Endpoints {
  nginxUrl: string;
  /** app-1, for `--direct` and the nginx / direct ratio. */
  directUrl: string;
}

interface Topology {
  nginxPort: number;
  clusterDir: string;
  replicas: { host: string; port: number }[];
}

async function loadTopology(): Promise<Topology> {
  const topologyModule = pathToFileURL(path.join(repoRoot, 'scripts', 'lib', 'topology.mjs')).href;
  const { loadTopology: load } = (await import(topologyModule)) as { loadTopology: (env?: NodeJS.ProcessEnv) => Topology };
  return load(process.env);
}

/** The launcher's state directory (CLUSTER_DIR), where it records the pids of what it started. */
export async function clusterDir(): Promise<string> {
  return (await loadTopology()).clusterDir;
}

/** Ports come from the same topology module the launcher, nginx and Prometheus read. */
export async function clusterEndpoints(): Promise<Endpoints> {
  const topology = await loadTopology();
  const first = topology.replicas[0]!;
  return { nginxUrl: `http://127.0.0.1:${topology.nginxPort}`, directUrl: `http://${first.host}:${first.port}` };
}

function launch(command: string, quiet: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, command], {
      cwd: repoRoot,
      // The launcher's progress goes to stderr so stdout stays clean for the report path.
      stdio: ['ignore', quiet ? 'ignore' : process.stderr, 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** Starts the cluster unless it is already fully up. Returns whether this call started it. */
export async function ensureCluster(): Promise<boolean> {
  const status = await launch('status', true);
  if (status === 0) return false;
  if (status === 1) {
    throw new Error('the native cluster is partly running; check `npm run cluster -- status` (or run `down`) first');
  }
  const code = await launch('up', false);
  if (code !== 0) throw new Error(`\`node scripts/cluster.mjs up\` failed with exit code ${code}`);
  return true;
}

export async function stopCluster(): Promise<void> {
  const code = await launch('down', false);
  if (code !== 0) throw new Error(`\`node scripts/cluster.mjs down\` failed with exit code ${code}`);
}
