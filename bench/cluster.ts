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

/**
 * Makes sure the native cluster runs before a run against it. Nothing running (a fresh clone):
 * start it, and say so — the caller stops it afterwards. Partly running: an error with
 * `--start-cluster` (the caller asked for a whole cluster), otherwise a warning and the run goes
 * on (a lesson may have stopped the lab or a replica on purpose). Returns whether it started it.
 */
export async function ensureCluster(strict: boolean): Promise<boolean> {
  const status = await launch('status', true);
  if (status === 0) return false;
  if (status === 1) {
    if (strict) throw new Error('the native cluster is partly running; check `npm run cluster -- status` (or run `down`) first');
    process.stderr.write('[bench] warning: the native cluster is only partly ready (`npm run cluster -- status` says which part)\n');
    return false;
  }
  process.stderr.write('[bench] no native cluster is running: starting one (`npm run cluster -- up`); it is stopped again after the run\n');
  const code = await launch('up', false);
  if (code !== 0) throw new Error(`\`node scripts/cluster.mjs up\` failed with exit code ${code}`);
  return true;
}

/** A clear error, before any load, when nothing answers at the target. */
export async function assertAnswers(baseUrl: string): Promise<void> {
  const url = `${baseUrl}/api/v1/stateless/info`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
    const cause = (err as { cause?: { message?: unknown } }).cause?.message;
    const why = typeof cause === 'string' ? cause : err instanceof Error ? err.message : String(err);
    throw new Error(`nothing answers at ${url} (${why}); is the target up?`);
  }
}

export async function stopCluster(): Promise<void> {
  const code = await launch('down', false);
  if (code !== 0) throw new Error(`\`node scripts/cluster.mjs down\` failed with exit code ${code}`);
}
