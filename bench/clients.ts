// The bench's simulated clients (cluster/simulated-client.ts): client n binds 127.0.n.1, so nginx's
// ip_hash sees each as a different user (docs/benchmarking.md, "Realistic load"). They set up and
// check sessions here; the load itself is autocannon's (load.ts), from the same addresses and with
// the same cookies.
import { isLoopback, SimulatedClient } from '../cluster/simulated-client';

/** The session routes' namespaces; a client keeps each session's cookie in the jar of that name. */
export type Namespace = 'stateful' | 'local';

/** Client i binds 127.0.(i+1).1; only loopback targets can be reached from those addresses. */
export function makeClients(count: number, targetUrl: string): SimulatedClient[] {
  if (!isLoopback(targetUrl)) return [new SimulatedClient(targetUrl, { id: 'client-1', timeoutMs: 5_000 })];
  if (count < 1 || count > 254) throw new Error(`--clients must be between 1 and 254, got ${count}`);
  return Array.from({ length: count }, (_, i) => SimulatedClient.numbered(i + 1, targetUrl, { timeoutMs: 5_000 }));
}

/** Creates one session per client under `/api/v1/<namespace>`; returns each client's session id. */
export async function createSessions(namespace: Namespace, clients: readonly SimulatedClient[]): Promise<Map<SimulatedClient, string>> {
  const ids = new Map<SimulatedClient, string>();
  await Promise.all(
    clients.map(async (client) => {
      const reply = await client.send({ method: 'POST', path: `/api/v1/${namespace}/sessions`, jar: namespace });
      if (reply.status !== 201 || !reply.cookie || typeof reply.json.sessionId !== 'string') {
        throw new Error(`creating a ${namespace} session failed: HTTP ${reply.status} ${reply.errorCode ?? reply.text.slice(0, 200)}`);
      }
      ids.set(client, reply.json.sessionId);
    }),
  );
  return ids;
}

/** Best effort: sessions are deleted so repeated benchmarks do not pile them up in Redis. */
export async function deleteSessions(namespace: Namespace, sessions: ReadonlyMap<SimulatedClient, string>): Promise<void> {
  await Promise.all(
    [...sessions].map(async ([client, id]) => {
      await client.send({ method: 'DELETE', path: `/api/v1/${namespace}/sessions/${id}`, jar: namespace });
      client.forget(namespace);
    }),
  );
}

/** Reads a session's counter through GET …/counter (`{naive, atomic}`). */
export async function readCounter(namespace: Namespace, kind: 'naive' | 'atomic', client: SimulatedClient): Promise<number> {
  const reply = await client.send({ path: `/api/v1/${namespace}/counter`, jar: namespace });
  if (reply.status !== 200) throw new Error(`reading the counter failed: HTTP ${reply.status} ${reply.errorCode ?? reply.text.slice(0, 200)}`);
  const value = reply.json[kind];
  if (typeof value !== 'number') throw new Error(`GET …/counter returned no numeric "${kind}": ${reply.text.slice(0, 200)}`);
  return value;
}
