// The chaos scenarios (chaos/), run the way a student runs them — `npm run chaos -- <scenario>`
// against the e2e cluster — and held to the expectation each one states. The report's figures
// (every request recorded, Jepsen-style counter checks) are read back from its JSON.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runChaos } from '../support/chaos-run';
import { clusterCommand, e2eCluster, type E2eCluster } from '../support/e2e-cluster';

// One scenario takes 15–40 s; the deadline leaves room for a slow CI machine, and the test's own
// limit leaves room for the diagnosis of a run cut off at it (test/support/chaos-run.ts).
const CHAOS_DEADLINE_MS = 120_000;
jest.setTimeout(CHAOS_DEADLINE_MS + 20_000);

let cluster: E2eCluster;
const outDirs: string[] = [];

beforeAll(() => {
  cluster = e2eCluster();
});

afterAll(() => {
  // Whatever a failed scenario left behind, the other e2e files need every component back.
  for (const name of ['redis', 'postgres', ...cluster.replicas.map((r) => r.id)]) {
    try {
      clusterCommand(cluster, ['resume', name]);
    } catch {
      // not paused
    }
    try {
      clusterCommand(cluster, ['start', name]);
    } catch {
      // already running
    }
  }
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  scenario: { name: string };
  verdict: { held: boolean; reasons: string[] };
  findings: {
    routes: { route: string; requests: number; failed: number; maxFailedLatencyMs: number }[];
    failures: { route: string; replica: string; error: string; count: number }[];
    counter: { attempted: number; acknowledged: number; lost: number; duplicated: number; ambiguousApplied: number; unacknowledged: number };
    sessionsBefore: number;
    sessionsAfter: number;
  };
}

async function chaos(scenario: string): Promise<{ code: number | null; stdout: string; run: Run }> {
  const out = mkdtempSync(path.join(tmpdir(), 'statelab-chaos-'));
  outDirs.push(out);
  const { code, output, cutOff } = await runChaos([scenario, '--out', out, '--clients', '4'], { ...process.env, ...cluster.env }, CHAOS_DEADLINE_MS);
  const [dir] = readdirSync(out);
  if (!dir) throw new Error(`npm run chaos -- ${scenario} wrote no report:\n${cutOff ? `${cutOff}\n` : ''}${output}`);
  const report = JSON.parse(readFileSync(path.join(out, dir, 'report.json'), 'utf8')) as { runs: Run[] };
  return { code, stdout: output, run: report.runs[0]! };
}

const route = (run: Run, name: string) => run.findings.routes.find((r) => r.route === name)!;

describe('chaos scenarios through nginx, every request accounted for', () => {
  test('when every replica is restarted in turn under load, then no GET and no keyed POST fails and nothing is lost', async () => {
    const { code, stdout, run } = await chaos('rolling-restart');
    expect(stdout).toMatch(/^HELD +rolling-restart/m);
    expect(code).toBe(0);
    for (const name of ['stateless', 'session-read', 'counter-keyed']) expect(route(run, name).failed).toBe(0);
    expect(run.findings.counter).toMatchObject({ lost: 0, duplicated: 0 });
  });

  test('when a replica is killed under load, then GETs never fail and no acknowledged increment is lost or duplicated', async () => {
    const { code, run } = await chaos('sigkill-replica');
    expect(run.verdict).toEqual({ held: true, reasons: [] });
    expect(code).toBe(0);
    expect(route(run, 'stateless').failed).toBe(0);
    expect(route(run, 'session-read').failed).toBe(0);
    expect(route(run, 'counter-keyed').failed).toBe(0);
    expect(run.findings.counter.lost).toBe(0);
    expect(run.findings.counter.duplicated).toBe(0);
    // Acknowledged ⊆ stored ⊆ attempted.
    const c = run.findings.counter;
    expect(c.acknowledged + c.ambiguousApplied).toBeLessThanOrEqual(c.attempted);
  });

  test('when a replica hangs (SIGSTOP) for 4 s, then its requests finish late and none fails', async () => {
    const { run } = await chaos('sigstop-replica');
    expect(run.verdict).toEqual({ held: true, reasons: [] });
    // Not even a request the paused replica was serving as it froze: its Redis answer waited in
    // the socket, and the guard's timeout lets it count (src/infra/dependency-guard.ts).
    expect(run.findings.failures).toEqual([]);
    expect(route(run, 'counter-atomic').requests).toBeGreaterThan(0);
    expect(run.findings.sessionsAfter).toBe(run.findings.sessionsBefore);
    expect(run.findings.counter.lost).toBe(0);
  });

  test('when Redis is killed and restarted, then stateful requests fail fast meanwhile and every session survives (AOF)', async () => {
    const { run } = await chaos('redis-kill');
    expect(route(run, 'stateless').failed).toBe(0);
    expect(route(run, 'session-read').failed).toBeGreaterThan(0);
    expect(route(run, 'session-read').maxFailedLatencyMs).toBeLessThan(2_000);
    expect(run.findings.sessionsAfter).toBe(run.findings.sessionsBefore);
    expect(run.verdict).toEqual({ held: true, reasons: [] });
  });

  test('when PostgreSQL is down for 3 s, then only the catalogue fails, fast, and it recovers', async () => {
    const { run } = await chaos('postgres-down');
    expect(run.verdict).toEqual({ held: true, reasons: [] });
    expect(route(run, 'products').failed).toBeGreaterThan(0);
    expect(route(run, 'products').maxFailedLatencyMs).toBeLessThan(2_000);
  });

  // The fault proxy on app-2's own link (chaos/link-fault.ts): the other replicas keep theirs.
  test.each(['redis-latency', 'redis-blackhole', 'redis-reset'])(
    "when %s hits one replica's link to Redis, then only that replica's stateful requests fail, each fast with 503, and nothing is lost",
    async (scenario) => {
      const { run } = await chaos(scenario);
      expect(run.verdict).toEqual({ held: true, reasons: [] });
      expect(run.findings.failures.length).toBeGreaterThan(0);
      for (const group of run.findings.failures) expect(group).toMatchObject({ replica: 'app-2', error: 'REDIS_UNAVAILABLE' });
      expect(route(run, 'stateless').failed).toBe(0);
      expect(route(run, 'session-read').maxFailedLatencyMs).toBeLessThan(2_000);
      expect(run.findings.sessionsAfter).toBe(run.findings.sessionsBefore);
      expect(run.findings.counter.lost).toBe(0);
    },
  );

  test.each(['postgres-latency', 'postgres-blackhole', 'postgres-reset'])("when %s hits one replica's link to PostgreSQL, then only its catalogue requests fail, fast, and sessions never notice", async (scenario) => {
    const { run } = await chaos(scenario);
    expect(run.verdict).toEqual({ held: true, reasons: [] });
    for (const group of run.findings.failures) expect(group).toMatchObject({ route: 'products', replica: 'app-2', error: 'DATABASE_UNAVAILABLE' });
    expect(route(run, 'products').failed).toBeGreaterThan(0);
    expect(route(run, 'products').maxFailedLatencyMs).toBeLessThan(2_000);
    expect(route(run, 'session-read').failed).toBe(0);
  });
});
