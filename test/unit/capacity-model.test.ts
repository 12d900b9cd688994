// The capacity model of docs/scaling.md: computed from a bench results.json and an ops
// measurement, with the assumptions named in bench/capacity.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SETTINGS, maxReplicasByConnections, opsSchema, plan, planTable, scenarioCapacities, type OpsMeasurement } from '../../bench/capacity';
import { resultsFixture, scenarioFixture } from '../bench/results-fixture';
import { repoRoot } from '../support/dashboard-queries';

// The fixture: 2 cores, the generator uses 0.4 of one, so the server side had 1.6 cores.
const results = resultsFixture([scenarioFixture('stateless-info', [1500, 1600, 1700]), scenarioFixture('stateful-session-read', [800, 800, 800])]);
const ops: OpsMeasurement = {
  schemaVersion: 1,
  measuredAt: '2026-11-23T10:10:00.000Z',
  target: 'http://127.0.0.1:8080',
  requestsPerScenario: 200,
  scenarios: {
    'stateless-info': { redisCommandsPerRequest: 0, postgresTransactionsPerRequest: 0, redisCommands: {} },
    'stateful-session-read': { redisCommandsPerRequest: 2, postgresTransactionsPerRequest: 0, redisCommands: { get: 1, expire: 1 } },
  },
  redisCeiling: { commandsPerSecond: 40_000, command: 'redis-benchmark' },
};

describe('capacity model', () => {
  it('when a bench run is read, then req/s per core divides the median by the cores the server side had', () => {
    const [info, session] = scenarioCapacities(results, ops);
    expect(info!.requestsPerSecond).toBe(1600);
    expect(info!.serverCores).toBeCloseTo(1.6);
    expect(info!.requestsPerSecondPerCore).toBeCloseTo(1000);
    expect(info!.redisLimitedRequestsPerSecond).toBeNull();
    // 70 % of 40,000 Redis commands/s at 2 commands per request.
    expect(session!.redisLimitedRequestsPerSecond).toBeCloseTo(14_000);
  });

  it('when a load is planned, then replicas run at 70 % of a core and Redis and PostgreSQL limits are named', () => {
    const [info, session] = scenarioCapacities(results, ops);
    expect(plan(info!, 700, ops).replicas).toBe(2); // never fewer than two
    expect(plan(info!, 7000, ops)).toMatchObject({ replicas: 10, postgresConnections: 100, bottleneck: null });
    // 19 replicas × 10 connections = 190 ≤ 200 − 10 reserved; 20 would not fit.
    expect(maxReplicasByConnections()).toBe(19);
    expect(plan(info!, 14_000, ops).bottleneck).toBe('PostgreSQL connections');
    const redisBound = plan(session!, 15_000, ops);
    expect(redisBound.redisShare).toBeCloseTo(0.75);
    expect(redisBound.bottleneck).toContain('Redis (one thread)');
    expect(plan(session!, 1000, ops, { ...DEFAULT_SETTINGS, postgresMaxConnections: 100 }).bottleneck).toBeNull();
  });

  it('when the table is printed, then each row shows the load, replicas and both stores', () => {
    const [, session] = scenarioCapacities(results, ops);
    const table = planTable(session!, [{ label: '100 students × 2 req/s', rps: 200 }], ops);
    expect(table.split('\n')[2]).toBe('| 100 students × 2 req/s | 200 | 2 | 400 | 1 % | 0 | 20 / 200 | none |');
  });

  it('when the CLI reads a results directory with its ops.json, then it prints the measured and planned tables', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'statelab-capacity-'));
    try {
      writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results));
      writeFileSync(path.join(dir, 'ops.json'), JSON.stringify(opsSchema.parse(ops)));
      const out = execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'bench/capacity-cli.ts', dir, '--scenarios', 'stateful-session-read', '--students', '100'], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
      expect(out).toContain('| stateless-info | 1,600 | 1.60 | 1,000 | 0.00 | 0.00 | — |');
      expect(out).toContain('| 100 students × 2 req/s | 200 | 2 |');
      expect(out).toContain('PostgreSQL connections allow at most 19 replicas');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
