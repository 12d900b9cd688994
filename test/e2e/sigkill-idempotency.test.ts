// The lesson "a request cut off mid-flight" (docs/labs.md): a replica is SIGKILLed while many
// clients increment one counter through nginx. With Idempotency-Keys (nginx retries keyed
// requests, clients retry with the same key) every increment is acknowledged and applied
// exactly once. Without keys, requests cut off mid-flight come back as 502: the client cannot
// know whether they were applied — and the counter shows some were.
import { testClient, clusterCommand, clusterCommandAsync, deleteRedisKeys, e2eCluster, tally, untilEveryReplicaServes, type E2eCluster } from '../support/e2e-cluster';
import { checkOperations, runCounterWorkload, type AttemptRecord } from '../../chaos/counter-workload';
import type { CounterCheck } from '../../cluster/counter-check';

const WORKERS = 12;
const DURATION_MS = 6_000;
const KILL_AT_MS = 1_500;

let cluster: E2eCluster;
const killed = new Set<string>();

beforeAll(() => {
  cluster = e2eCluster();
});

afterAll(async () => {
  // Later files need all three replicas serving.
  for (const id of killed) clusterCommand(cluster, ['start', id]);
  await untilEveryReplicaServes(cluster);
});

/** The replica that has answered most of the workload so far: the kill must cut real traffic. */
function busiest(attempts: AttemptRecord[]): string {
  const counts = tally(attempts.filter((a) => a.instance).map((a) => a.instance!));
  return Object.entries(counts).sort(([, a], [, b]) => b - a)[0]![0];
}

async function killDuringRun(keyed: boolean): Promise<{ check: CounterCheck; attempts: AttemptRecord[]; victim: string }> {
  const owner = testClient(cluster.nginxUrl);
  try {
    const created = await owner.request('POST', '/api/v1/stateful/sessions');
    expect(created.status).toBe(201);
    const workload = runCounterWorkload({
      baseUrl: cluster.nginxUrl,
      cookie: owner.cookie!,
      workers: WORKERS,
      durationMs: DURATION_MS,
      keyed,
      addressOf: (i) => `127.0.${i + 1}.1`,
    });
    await new Promise((resolve) => setTimeout(resolve, KILL_AT_MS));
    const victim = busiest(workload.attempts);
    await clusterCommandAsync(cluster, ['kill', victim]);
    killed.add(victim);
    const { attempts, operations } = await workload.done;
    clusterCommand(cluster, ['start', victim]);
    killed.delete(victim);
    await untilEveryReplicaServes(cluster);
    const final = (await owner.get('/api/v1/stateful/counter')).json.atomic as number;
    const check = checkOperations(operations, final);
    const statuses = tally(attempts.map((a) => String(a.status)));
    const retriedByNginx = attempts.filter((a) => a.upstream?.includes(',')).length;
    process.stderr.write(
      `[sigkill ${keyed ? 'with keys' : 'without keys'}] ${victim} killed; requests ${attempts.length} ${JSON.stringify(statuses)}, ` +
        `nginx retries ${retriedByNginx}, replays ${attempts.filter((a) => a.replayed).length}; ${JSON.stringify(check)}\n`,
    );
    return { check, attempts, victim };
  } finally {
    // Thousands of keyed requests leave as many records (kept 24 h): later files page through
    // the keyspace with SCAN and must not have to wade through them. The launcher's replicas use
    // the default key prefix.
    const sessionId = String((await owner.get('/api/v1/stateful/sessions/current')).json.sessionId);
    await owner.request('DELETE', `/api/v1/stateful/sessions/${sessionId}`);
    await deleteRedisKeys(cluster, `statelab:idem:session:${sessionId}:*`);
    await deleteRedisKeys(cluster, `statelab:counter:${sessionId}:idem:*`);
    owner.close();
  }
}

describe('SIGKILL of a replica under a load of counter increments', () => {
  it('when every increment carries an Idempotency-Key and is retried with it, then none fails and none is applied twice', async () => {
    const { check, attempts } = await killDuringRun(true);
    expect(check.attempted).toBeGreaterThan(100);
    expect(check.unacknowledged).toBe(0);
    expect(check.final).toBe(check.acknowledged);
    expect([check.lost, check.duplicated]).toEqual([0, 0]);
    // Every HTTP attempt of an operation carried the same key: retries were of the same request.
    expect(attempts.every((a) => a.key !== undefined)).toBe(true);
  }, 90_000);

  it('when the increments carry no key, then requests cut off mid-flight fail ambiguously: 502, yet some were applied', async () => {
    const { check } = await killDuringRun(false);
    expect(check.attempted).toBeGreaterThan(100);
    // The failures nginx could not retry: it had already sent them to the replica that died.
    expect(check.unacknowledged).toBeGreaterThan(0);
    // Nothing acknowledged is lost (Redis kept it) and nothing is counted twice...
    expect([check.lost, check.duplicated]).toEqual([0, 0]);
    // ...but the counter is at least the acknowledged count, and may exceed it by failed
    // requests that the replica applied before it died: the client cannot tell which.
    expect(check.final).toBeGreaterThanOrEqual(check.acknowledged);
    expect(check.final).toBeLessThanOrEqual(check.acknowledged + check.unacknowledged);
  }, 90_000);
});
