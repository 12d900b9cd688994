// The capacity model of docs/scaling.md, computed from measurements, never typed in:
//   - results.json of `npm run bench` → requests/s per scenario and the CPU the server side had;
//   - ops.json of `npm run bench:ops` → Redis commands and PostgreSQL transactions per request,
//     and the single-threaded Redis ceiling measured with redis-benchmark on the same machine.
// Pure functions: the CLI (capacity-cli.ts) reads the files and prints the tables.
import { z } from 'zod';
import type { Results } from './results-schema';

export const opsSchema = z.object({
  schemaVersion: z.literal(1),
  measuredAt: z.string(),
  target: z.string(),
  requestsPerScenario: z.number().int().positive(),
  scenarios: z.record(
    z.string(),
    z.object({
      redisCommandsPerRequest: z.number().min(0),
      postgresTransactionsPerRequest: z.number().min(0),
      redisCommands: z.record(z.string(), z.number()).describe('Redis data commands per request, by command'),
    }),
  ),
  redisCeiling: z
    .object({ commandsPerSecond: z.number().positive(), command: z.string() })
    .describe('redis-benchmark on the same machine: what one Redis thread did here'),
});
export type OpsMeasurement = z.infer<typeof opsSchema>;

/** The assumptions of the model, each one named in docs/scaling.md. */
export interface ModelSettings {
  /** PostgreSQL connections each replica's pool may open (src/infra/database.ts `max`). */
  poolPerReplica: number;
  /** PostgreSQL max_connections (k8s/base/postgres: 200; PostgreSQL's default is 100). */
  postgresMaxConnections: number;
  /** Connections kept for the migrate Job, the exporter and superuser slots. */
  postgresReserved: number;
  /** Fraction of a core a replica should run at in steady state, leaving headroom for bursts. */
  targetUtilisation: number;
  /** Fraction of the measured Redis ceiling we plan to use before calling Redis the bottleneck. */
  redisHeadroom: number;
  /** Cores per replica (the Deployment's CPU limit): one Node event loop uses about one. */
  coresPerReplica: number;
}

export const DEFAULT_SETTINGS: ModelSettings = {
  poolPerReplica: 10,
  postgresMaxConnections: 200,
  postgresReserved: 10,
  targetUtilisation: 0.7,
  redisHeadroom: 0.7,
  coresPerReplica: 1,
};

export interface ScenarioCapacity {
  name: string;
  /** Median requests/s over the runs, through the measured target. */
  requestsPerSecond: number;
  /** Cores the server side had: machine cores minus what the load generator used (median). */
  serverCores: number;
  /** requestsPerSecond / serverCores: includes nginx, Redis and PostgreSQL sharing those cores. */
  requestsPerSecondPerCore: number;
  redisCommandsPerRequest: number | null;
  postgresTransactionsPerRequest: number | null;
  /** Requests/s at which Redis reaches its planned share of the measured ceiling (null: no Redis). */
  redisLimitedRequestsPerSecond: number | null;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Per-scenario figures from one bench run (scenarios against the main target only). */
export function scenarioCapacities(results: Results, ops: OpsMeasurement | undefined, settings = DEFAULT_SETTINGS): ScenarioCapacity[] {
  return results.scenarios
    .filter((s) => s.target === 'main' && s.runs.length > 0)
    .map((s) => {
      const rps = s.summary.requestsPerSecond.median ?? median(s.runs.map((r) => r.requestsPerSecond));
      const generator = median(s.runs.map((r) => r.generatorCpu));
      const serverCores = Math.max(0.1, results.environment.cpuCount - generator);
      const measured = ops?.scenarios[s.name];
      const redis = measured?.redisCommandsPerRequest ?? null;
      const redisLimited =
        ops && redis !== null && redis > 0 ? (ops.redisCeiling.commandsPerSecond * settings.redisHeadroom) / redis : null;
      return {
        name: s.name,
        requestsPerSecond: rps,
        serverCores,
        requestsPerSecondPerCore: rps / serverCores,
        redisCommandsPerRequest: redis,
        postgresTransactionsPerRequest: measured?.postgresTransactionsPerRequest ?? null,
        redisLimitedRequestsPerSecond: redisLimited,
      };
    });
}

/** Most replicas PostgreSQL connections allow: each replica's pool times replicas. */
export function maxReplicasByConnections(settings = DEFAULT_SETTINGS): number {
  return Math.floor((settings.postgresMaxConnections - settings.postgresReserved) / settings.poolPerReplica);
}

export interface Plan {
  requestsPerSecond: number;
  replicas: number;
  appCores: number;
  redisCommandsPerSecond: number | null;
  /** Share of the measured Redis ceiling this load needs (1 = one Redis thread saturated). */
  redisShare: number | null;
  postgresTransactionsPerSecond: number | null;
  postgresConnections: number;
  /** The first limit this load meets, in words, or null when one cluster of this shape copes. */
  bottleneck: string | null;
}

/** What a load of `rps` requests/s of one scenario needs. */
export function plan(capacity: ScenarioCapacity, rps: number, ops: OpsMeasurement | undefined, settings = DEFAULT_SETTINGS): Plan {
  const perReplica = capacity.requestsPerSecondPerCore * settings.coresPerReplica * settings.targetUtilisation;
  // Two replicas at least: one is not a cluster, and a rolling update needs a second.
  const replicas = Math.max(2, Math.ceil(rps / perReplica));
  const redisPerSecond = capacity.redisCommandsPerRequest === null ? null : rps * capacity.redisCommandsPerRequest;
  const redisShare = redisPerSecond === null || !ops ? null : redisPerSecond / ops.redisCeiling.commandsPerSecond;
  const connections = replicas * settings.poolPerReplica;
  const limits: string[] = [];
  if (redisShare !== null && redisShare > settings.redisHeadroom) limits.push('Redis (one thread)');
  if (replicas > maxReplicasByConnections(settings)) limits.push('PostgreSQL connections');
  return {
    requestsPerSecond: rps,
    replicas,
    appCores: replicas * settings.coresPerReplica,
    redisCommandsPerSecond: redisPerSecond,
    redisShare,
    postgresTransactionsPerSecond: capacity.postgresTransactionsPerRequest === null ? null : rps * capacity.postgresTransactionsPerRequest,
    postgresConnections: connections,
    bottleneck: limits.length ? limits.join(' + ') : null,
  };
}

const fmt = (n: number | null, digits = 0): string =>
  n === null ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Markdown: the measured figures per scenario. */
export function measuredTable(capacities: ScenarioCapacity[]): string {
  const lines = [
    '| scenario | req/s (median) | server cores | req/s per core | Redis cmds/req | PostgreSQL xacts/req | req/s at 70 % of Redis |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of capacities) {
    lines.push(
      `| ${c.name} | ${fmt(c.requestsPerSecond)} | ${fmt(c.serverCores, 2)} | ${fmt(c.requestsPerSecondPerCore)} | ` +
        `${fmt(c.redisCommandsPerRequest, 2)} | ${fmt(c.postgresTransactionsPerRequest, 2)} | ${fmt(c.redisLimitedRequestsPerSecond)} |`,
    );
  }
  return lines.join('\n');
}

/** Markdown: what a set of loads needs, for one scenario. */
export function planTable(capacity: ScenarioCapacity, loads: { label: string; rps: number }[], ops: OpsMeasurement | undefined, settings = DEFAULT_SETTINGS): string {
  const lines = [
    `| load (${capacity.name}) | req/s | replicas (1 core each) | Redis cmds/s | Redis share | PostgreSQL xacts/s | PostgreSQL connections | first limit |`,
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const { label, rps } of loads) {
    const p = plan(capacity, rps, ops, settings);
    lines.push(
      `| ${label} | ${fmt(rps)} | ${p.replicas} | ${fmt(p.redisCommandsPerSecond)} | ${p.redisShare === null ? '—' : `${fmt(p.redisShare * 100)} %`} | ` +
        `${fmt(p.postgresTransactionsPerSecond)} | ${p.postgresConnections} / ${settings.postgresMaxConnections} | ${p.bottleneck ?? 'none'} |`,
    );
  }
  return lines.join('\n');
}
