// The chaos scenarios (chaos/), run the way a student runs them — `npm run chaos -- <scenario>`
// against the e2e cluster — and held to the expectation each one states. The report's figures
// (every request recorded, Jepsen-style counter checks) are read back from its JSON.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusterCommand, e2eCluster, repoRoot, type E2eCluster } from '../support/e2e-cluster';

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

function chaos(scenario: string): { code: number; stdout: string; run: Run } {
  const out = mkdtempSync(path.join(tmpdir(), 'statelab-chaos-'));
  outDirs.push(out);
  let code = 0;
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'chaos/cli.ts', scenario, '--out', out, '--clients', '4'], {
      cwd: repoRoot,
      env: { ...process.env, ...cluster.env },
      encoding: 'utf8',
      timeout: 120_000,
    });
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    code = e.status;
    stdout = `${e.stdout}${e.stderr}`;
  }
  const [dir] = readdirSync(out);
  if (!dir) throw new Error(`npm run chaos -- ${scenario} wrote no report:\n${stdout}`);
  const report = JSON.parse(readFileSync(path.join(out, dir, 'report.json'), 'utf8')) as { runs: Run[] };
  return { code, stdout, run: report.runs[0]! };
}

const route = (run: Run, name: string) => run.findings.routes.find((r) => r.route === name)!;

describe('chaos scenarios through nginx, every request accounted for', () => {
  test('when every replica is restarted in turn under load, then no GET and no keyed POST fails and nothing is lost', () => {
    const { code, stdout, run } = chaos('rolling-restart');
    expect(stdout).toMatch(/^HELD +rolling-restart/m);
    expect(code).toBe(0);
    for (const name of ['stateless', 'session-read', 'counter-keyed']) expect(route(run, name).failed).toBe(0);
    expect(run.findings.counter).toMatchObject({ lost: 0, duplicated: 0 });
  });

  test('when a replica is killed under load, then GETs never fail and no acknowledged increment is lost or duplicated', () => {
    const { code, run } = chaos('sigkill-replica');
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

  test('when a replica hangs (SIGSTOP) for 4 s, then its requests finish late and none fails', () => {
    const { run } = chaos('sigstop-replica');
    expect(run.verdict).toEqual({ held: true, reasons: [] });
    // Not even a request the paused replica was serving as it froze: its Redis answer waited in
    // the socket, and the guard's timeout lets it count (src/infra/dependency-guard.ts).
    expect(run.findings.failures).toEqual([]);
    expect(route(run, 'counter-atomic').requests).toBeGreaterThan(0);
    expect(run.findings.sessionsAfter).toBe(run.findings.sessionsBefore);
    expect(run.findings.counter.lost).toBe(0);
  });

  test('when Redis is killed and restarted, then stateful requests fail fast meanwhile and every session survives (AOF)', () => {
    const { run } = chaos('redis-kill');
    expect(route(run, 'stateless').failed).toBe(0);
    expect(route(run, 'session-read').failed).toBeGreaterThan(0);
    expect(route(run, 'session-read').maxFailedLatencyMs).toBeLessThan(2_000);
    expect(run.findings.sessionsAfter).toBe(run.findings.sessionsBefore);
    expect(run.verdict).toEqual({ held: true, reasons: [] });
  });

  test('when PostgreSQL is down for 3 s, then only the catalogue fails, fast, and it recovers', () => {
    const { run } = chaos('postgres-down');
    expect(run.verdict).toEqual({ held: true, reasons: [] });
    expect(route(run, 'products').failed).toBeGreaterThan(0);
    expect(route(run, 'products').maxFailedLatencyMs).toBeLessThan(2_000);
  });

  // The fault proxy on app-2's own link (chaos/link-fault.ts): the other replicas keep theirs.
  test.each(['redis-latency', 'redis-blackhole', 'redis-reset'])(
    "when %s hits one replica's link to Redis, then only that replica's stateful requests fail, each fast with 503, and nothing is lost",
    (scenario) => {
      const { run } = chaos(scenario);
      expect(run.verdict).toEqual({ held: true, reasons: [] });
      expect(run.findings.failures.length).toBeGreaterThan(0);
      for (const group of run.findings.failures) expect(group).toMatchObject({ replica: 'app-2', error: 'REDIS_UNAVAILABLE' });
      expect(route(run, 'stateless').failed).toBe(0);
      expect(route(run, 'session-read').maxFailedLatencyMs).toBeLessThan(2_000);
      expect(run.findings.sessionsAfter).toBe(run.findings.sessionsBefore);
      expect(run.findings.counter.lost).toBe(0);
    },
  );

  test.each(['postgres-latency', 'postgres-blackhole', 'postgres-reset'])("when %s hits one replica's link to PostgreSQL, then only its catalogue requests fail, fast, and sessions never notice", (scenario) => {
    const { run } = chaos(scenario);
    expect(run.verdict).toEqual({ held: true, reasons: [] });
    for (const group of run.findings.failures) expect(group).toMatchObject({ route: 'products', replica: 'app-2', error: 'DATABASE_UNAVAILABLE' });
    expect(route(run, 'products').failed).toBeGreaterThan(0);
    expect(route(run, 'products').maxFailedLatencyMs).toBeLessThan(2_000);
    expect(route(run, 'session-read').failed).toBe(0);
  });
});
