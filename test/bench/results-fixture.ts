// Builds a minimal, schema-valid results.json for tests of the compare logic and report writers.
import type { Results, RunResult, ScenarioResult } from '../../bench/results-schema';
import { summarise } from '../../bench/summary';

function run(index: number, rps: number): RunResult {
  return {
    run: index + 1,
    startedAt: '2026-11-23T10:00:00.000Z',
    durationSeconds: 10,
    responses: Math.round(rps * 10),
    requestsPerSecond: rps,
    latencyMs: { p50: 5, p95: 9, p99: 12, mean: 6, max: 30 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    statusCodes: { '200': Math.round(rps * 10) },
    perReplica: { 'app-1': Math.round(rps * 10) },
    generatorCpu: 0.4,
  };
}

export function scenarioFixture(name: string, rpsPerRun: number[]): ScenarioResult {
  const runs = rpsPerRun.map((rps, i) => run(i, rps));
  return {
    name,
    description: name,
    method: 'GET',
    url: `http://127.0.0.1:8080/${name}`,
    target: 'main',
    parameters: { connections: 50, pipelining: 1, durationSeconds: 10, warmupSeconds: 2, clients: 16 },
    meantToSpread: false,
    runs,
    summary: summarise(runs),
    warnings: [],
  };
}

export function resultsFixture(scenarios: ScenarioResult[]): Results {
  return {
    schemaVersion: 1,
    environment: {
      startedAt: '2026-11-23T10:00:00.000Z',
      finishedAt: '2026-11-23T10:05:00.000Z',
      commandLine: 'npm run bench --',
      gitCommit: '0000000000000000000000000000000000000000',
      gitDirty: false,
      node: 'v20.20.2',
      cpuModel: 'Test CPU',
      cpuCount: 2,
      totalMemoryGiB: 24,
      os: 'Linux',
      loadAverage: [0, 0, 0],
      versions: { nginx: 'nginx/1.22.1', redis: 'Redis 7', postgres: 'PostgreSQL 15' },
    },
    settings: {
      targetUrl: 'http://127.0.0.1:8080',
      targetKind: 'nginx',
      directUrl: 'http://127.0.0.1:3001',
      runs: scenarios[0]?.runs.length ?? 0,
      clients: 16,
      durationSeconds: null,
      warmupSeconds: null,
      connections: null,
      startedCluster: false,
    },
    scenarios,
    ratios: [],
    warnings: [],
  };
}
