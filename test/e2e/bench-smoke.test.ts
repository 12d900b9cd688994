// Smoke test of the benchmark harness: every scenario for about a second, one run, against the
// e2e cluster through nginx, exactly as `npm run bench` does it. It checks that the harness
// works and its numbers are consistent, never how fast anything is.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseResults, resultsJsonSchema, type Results } from '../../bench/results-schema';
import { SCENARIOS } from '../../bench/scenarios';

const repoRoot = path.resolve(__dirname, '..', '..');
const nginxUrl = new URL(process.env.STATELAB_E2E_NGINX_URL ?? `http://127.0.0.1:${process.env.NGINX_PORT ?? '8080'}`);

describe('bench harness smoke test', () => {
  let outDir: string;
  let results: Results;

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'statelab-bench-'));
    // The CLI reads nginx and replica ports from the topology (NGINX_PORT, APP_BASE_PORT, …),
    // the same variables the e2e setup gave the launcher.
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/cli.ts', '--runs', '1', '--duration', '1', '--warmup', '0.2', '--clients', '4', '--out', outDir],
      { cwd: repoRoot, env: { ...process.env, NGINX_PORT: nginxUrl.port || '80' }, timeout: 170_000, maxBuffer: 10 * 2 ** 20 },
    );
    results = parseResults(JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')));
  }, 180_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('when the harness has run, then results.json validates against the committed schema', () => {
    const committed = JSON.parse(readFileSync(path.join(repoRoot, 'bench', 'results.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(resultsJsonSchema());
    expect(results.schemaVersion).toBe(1);
    expect(results.environment.node).toBe(process.version);
    expect(results.environment.commandLine).toContain('--runs 1');
  });

  it('when every scenario ran through nginx, then each answered requests without errors or non-2xx', () => {
    expect(results.scenarios.map((s) => s.name)).toEqual(SCENARIOS.map((s) => s.name));
    for (const scenario of results.scenarios) {
      expect({ name: scenario.name, responsesAboveZero: scenario.summary.responses > 0 }).toEqual({ name: scenario.name, responsesAboveZero: true });
      expect({ name: scenario.name, errors: scenario.summary.errors, non2xx: scenario.summary.non2xx }).toEqual({ name: scenario.name, errors: 0, non2xx: 0 });
      expect(scenario.runs).toHaveLength(1);
    }
  });

  it('when the naive counter is hammered concurrently, then it loses updates and the atomic one loses none', () => {
    const naive = results.scenarios.find((s) => s.name === 'counter-naive')!.runs[0]!.counter!;
    const atomic = results.scenarios.find((s) => s.name === 'counter-atomic')!.runs[0]!.counter!;
    expect(naive.acknowledged).toBeGreaterThan(0);
    expect(naive.lostUpdates).toBeGreaterThan(0);
    expect(atomic.acknowledged).toBeGreaterThan(0);
    expect(atomic.lostUpdates).toBe(0);
  });

  it('when the run is over, then the memory (RSS) of every replica and of the baseline is reported', () => {
    const names = (results.memory ?? []).map((m) => m.name).sort();
    expect(names).toEqual(['app-1', 'app-2', 'app-3', 'baseline']);
    for (const m of results.memory!) expect({ name: m.name, rssAboveZero: (m.rssMiB ?? 0) > 0 }).toEqual({ name: m.name, rssAboveZero: true });
    expect(results.environment.pinning ?? null).toBeNull();
  });

  it('when responses are counted per replica, then the counts add up to the responses', () => {
    for (const scenario of results.scenarios) {
      for (const run of scenario.runs) {
        const perReplica = Object.values(run.perReplica).reduce((a, b) => a + b, 0);
        expect({ name: scenario.name, perReplica }).toEqual({ name: scenario.name, perReplica: run.responses });
      }
      const sum = Object.values(scenario.summary.perReplica).reduce((a, b) => a + b, 0);
      expect(sum).toBe(scenario.summary.responses);
    }
  });

  it('when the load goes through nginx, then stateless scenarios reach more than one replica', () => {
    const info = results.scenarios.find((s) => s.name === 'stateless-info')!;
    expect(Object.keys(info.summary.perReplica).length).toBeGreaterThan(1);
  });

  it('when 4 simulated client addresses hold sessions, then ip_hash sends them to more than one replica', () => {
    // All of 127.0.0.1 would land on one replica; 127.0.1.1 … 127.0.4.1 differ in the third octet.
    const read = results.scenarios.find((s) => s.name === 'stateful-session-read')!;
    expect(read.parameters.clients).toBe(4);
    expect(Object.keys(read.summary.perReplica).length).toBeGreaterThan(1);
  });

  it('when the run is over, then report.md and a self-contained report.html with charts exist', () => {
    const markdown = readFileSync(path.join(outDir, 'report.md'), 'utf8');
    const html = readFileSync(path.join(outDir, 'report.html'), 'utf8');
    expect(markdown).toContain('## Throughput');
    expect(markdown).toContain('## Lost updates');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(existsSync(path.join(outDir, 'results.json'))).toBe(true);
  });
});
