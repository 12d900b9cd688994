// The shape of results.json, defined once. bench/results.schema.json is generated from this
// (`tsx bench/write-schema.ts`; a unit test fails when the two drift apart), and every reader —
// the compare command, the smoke test — validates with `parseResults` before trusting a file.
import { z } from 'zod';

const num = z.number();
/** NaN and Infinity are not JSON: a statistic that cannot be computed is written as null. */
const maybeNum = z.number().nullable();

export const spreadSchema = z
  .object({ median: maybeNum, min: maybeNum, max: maybeNum, mean: maybeNum })
  .describe('Median, minimum, maximum and mean over the runs');

const latencySchema = z
  .object({ p50: maybeNum, p95: maybeNum, p99: maybeNum, mean: maybeNum, max: maybeNum })
  .describe('Latency of 2xx responses in milliseconds');

export const counterCheckSchema = z
  .object({
    acknowledged: num.describe('2xx responses to increment requests, summed over the sessions'),
    finalValue: num.describe('counter values read back after the load, summed over the sessions'),
    lostUpdates: num.describe('max(0, acknowledged − finalValue): increments the server confirmed but did not keep'),
  })
  .describe('Lost-update check of a counter scenario');

export const runSchema = z.object({
  run: z.number().int().min(1),
  startedAt: z.string(),
  durationSeconds: num,
  responses: z.number().int().describe('responses of any status received during the measurement'),
  requestsPerSecond: num,
  latencyMs: latencySchema,
  errors: z.number().int().describe('connection errors and timeouts (autocannon "errors")'),
  timeouts: z.number().int(),
  non2xx: z.number().int(),
  statusCodes: z.record(z.string(), z.number().int()),
  perReplica: z.record(z.string(), z.number().int()).describe('responses per X-Instance-Id; they add up to responses'),
  generatorCpu: num.describe('load generator CPU time / wall time (1 = one core saturated)'),
  cpuPerResponseUs: z
    .record(z.string(), num)
    .optional()
    .describe('CPU time (user + system) each server process spent during the measurement, per response, in microseconds'),
  counter: counterCheckSchema.optional(),
});

export const scenarioResultSchema = z.object({
  name: z.string(),
  description: z.string(),
  method: z.enum(['GET', 'POST']),
  url: z.string(),
  target: z.enum(['main', 'direct', 'baseline']),
  parameters: z.object({
    connections: z.number().int(),
    pipelining: z.number().int(),
    durationSeconds: num,
    warmupSeconds: num,
    clients: z.number().int(),
    session: z.enum(['stateful', 'local']).optional(),
    counter: z.enum(['naive', 'atomic']).optional(),
  }),
  meantToSpread: z.boolean().describe('true when the load should reach several replicas'),
  runs: z.array(runSchema),
  summary: z.object({
    requestsPerSecond: spreadSchema.extend({
      ci95Low: maybeNum,
      ci95High: maybeNum,
      ci95HalfWidth: maybeNum,
    }),
    latencyMs: z.object({ p50: spreadSchema, p95: spreadSchema, p99: spreadSchema }),
    responses: z.number().int(),
    errors: z.number().int(),
    non2xx: z.number().int(),
    perReplica: z.record(z.string(), z.number().int()),
    generatorCpu: spreadSchema,
    cpuPerResponseUs: z.record(z.string(), spreadSchema).optional().describe('per server process, over the runs'),
    lostUpdates: spreadSchema.optional(),
  }),
  warnings: z.array(z.string()),
});

export const ratioSchema = z.object({
  name: z.string(),
  numerator: z.string(),
  denominator: z.string(),
  question: z.string().describe('what the ratio answers, in one line'),
  target: maybeNum.describe('the goal from issue 4, or null'),
  perRun: z.array(num).describe('numerator / denominator requests/s inside each run'),
  summary: spreadSchema,
  interval: z
    .object({ level: num, centre: num, low: num, high: num })
    .nullable()
    .optional()
    .describe('95 % interval of the ratio (Student t on the log of the per-run ratios; centre = geometric mean); null with fewer than 2 runs'),
  quotable: z
    .object({ ok: z.boolean(), reason: z.string() })
    .optional()
    .describe('whether the ratio is fit to quote to a class, and why (or why not)'),
});

export const resultsSchema = z
  .object({
    schemaVersion: z.literal(1),
    environment: z.object({
      startedAt: z.string(),
      finishedAt: z.string(),
      commandLine: z.string(),
      gitCommit: z.string(),
      gitDirty: z.boolean(),
      node: z.string(),
      cpuModel: z.string(),
      cpuCount: z.number().int(),
      totalMemoryGiB: num,
      os: z.string(),
      loadAverage: z.array(num).describe('1, 5 and 15 minute load averages at the start'),
      loadAverageAtEnd: z.array(num).optional().describe('the same at the end of the run'),
      cpuMHz: z.array(num).optional().describe('each core\'s clock at the start, as the kernel reports it (0 where it does not)'),
      cpuStealShare: maybeNum.optional().describe('share of CPU time the hypervisor gave to other guests during the run (/proc/stat steal); null off Linux'),
      versions: z.object({ nginx: z.string(), redis: z.string(), postgres: z.string() }),
      pinning: z
        .object({
          loadGenerator: z.string().describe('CPU list of the load generator (taskset syntax)'),
          servers: z.string().describe('CPU list of every server process'),
          processes: z.array(z.string()).describe('the pinned server processes, as name (pid)'),
        })
        .nullable()
        .optional()
        .describe('--pin: which cores the load generator and the servers were given; null when unpinned'),
    }),
    settings: z.object({
      targetUrl: z.string(),
      targetKind: z.enum(['nginx', 'direct', 'custom']),
      directUrl: z.string().nullable(),
      runs: z.number().int(),
      clients: z.number().int(),
      durationSeconds: num.nullable().describe('override of every scenario duration, or null'),
      warmupSeconds: num.nullable(),
      connections: z.number().int().nullable(),
      startedCluster: z.boolean(),
    }),
    scenarios: z.array(scenarioResultSchema),
    ratios: z.array(ratioSchema),
    warnings: z.array(z.string()),
    memory: z
      .array(z.object({ name: z.string(), pid: z.number().int(), rssMiB: maybeNum }))
      .optional()
      .describe('resident memory (RSS) of every replica and the baseline server at the end of the run'),
  })
  .describe('statelab benchmark results (bench/results-schema.ts)');

export type Results = z.infer<typeof resultsSchema>;
export type ScenarioResult = z.infer<typeof scenarioResultSchema>;
export type RunResult = z.infer<typeof runSchema>;
export type RatioResult = z.infer<typeof ratioSchema>;
export type SpreadSummary = z.infer<typeof spreadSchema>;

export function parseResults(data: unknown): Results {
  return resultsSchema.parse(data);
}

export function resultsJsonSchema(): unknown {
  return z.toJSONSchema(resultsSchema, { target: 'draft-2020-12' });
}
