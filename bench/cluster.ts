// Where the bench sends its load on the native cluster (ports from the launcher's topology, through
// cluster/), and the preflight that the target answers before any load is sent.
import { loadTopology, nginxUrl, replicaUrl } from '../cluster/topology';

export interface Endpoints {
  nginxUrl: string;
  /** app-1, for `--direct` and the nginx / direct ratio. */
  directUrl: string;
}

export function clusterEndpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const topology = loadTopology(env);
  return { nginxUrl: nginxUrl(topology), directUrl: replicaUrl(topology.replicas[0]!) };
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
