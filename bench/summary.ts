// From raw runs to what a reader needs: spreads, confidence intervals, the ratios that answer the
// class's questions (each computed inside one run, then summarised), and warnings about numbers
// that should not be trusted.
import type { RatioResult, RunResult, ScenarioResult, SpreadSummary } from './results-schema';
import { confidenceInterval, ratioInterval, spread } from './stats';

/** A replica answering more than this share of a scenario meant to spread is reported. */
export const MAX_REPLICA_SHARE = 0.6;
/** Generator CPU above this fraction of one core means the generator, not the server, may be the limit. */
export const GENERATOR_CPU_LIMIT = 0.9;

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function spreadOf(values: number[]): SpreadSummary {
  const s = spread(values);
  return { median: finite(s.median), min: finite(s.min), max: finite(s.max), mean: finite(s.mean) };
}

function sumRecords(records: Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const record of records) for (const [k, v] of Object.entries(record)) total[k] = (total[k] ?? 0) + v;
  return total;
}

const latencyOf = (runs: RunResult[], key: 'p50' | 'p95' | 'p99'): SpreadSummary =>
  spreadOf(runs.map((r) => r.latencyMs[key]).filter((v): v is number => v !== null && Number.isFinite(v)));

export function summarise(runs: RunResult[]): ScenarioResult['summary'] {
  const rps = runs.map((r) => r.requestsPerSecond);
  const ci = confidenceInterval(rps);
  const counters = runs.flatMap((r) => (r.counter ? [r.counter.lostUpdates] : []));
  const cpu = [...new Set(runs.flatMap((r) => Object.keys(r.cpuPerResponseUs ?? {})))];
  return {
    requestsPerSecond: { ...spreadOf(rps), ci95Low: finite(ci.low), ci95High: finite(ci.high), ci95HalfWidth: finite(ci.halfWidth) },
    latencyMs: { p50: latencyOf(runs, 'p50'), p95: latencyOf(runs, 'p95'), p99: latencyOf(runs, 'p99') },
    responses: runs.reduce((n, r) => n + r.responses, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    perReplica: sumRecords(runs.map((r) => r.perReplica)),
    generatorCpu: spreadOf(runs.map((r) => r.generatorCpu)),
    ...(cpu.length ? { cpuPerResponseUs: Object.fromEntries(cpu.map((name) => [name, spreadOf(runs.flatMap((r) => r.cpuPerResponseUs?.[name] ?? []))])) } : {}),
    ...(counters.length ? { lostUpdates: spreadOf(counters) } : {}),
  };
}

/** Below this a process only idled through the scenario (metrics scrapes, health checks). */
export const MIN_CPU_US = 1;

/**
 * Median CPU µs per response of each server process that did work for this scenario, busiest
 * first. Their sum is the CPU price of one response on this machine.
 */
export function cpuBreakdown(result: Pick<ScenarioResult, 'summary'>): { name: string; us: number }[] {
  return Object.entries(result.summary.cpuPerResponseUs ?? {})
    .map(([name, s]) => ({ name, us: s.median ?? 0 }))
    .filter((x) => x.us >= MIN_CPU_US)
    .sort((a, b) => b.us - a.us);
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

export function scenarioWarnings(result: Omit<ScenarioResult, 'warnings'>): string[] {
  const warnings: string[] = [];
  const { summary, name } = result;
  const total = Object.values(summary.perReplica).reduce((a, b) => a + b, 0);
  if (result.meantToSpread && total > 0) {
    const [top, count] = Object.entries(summary.perReplica).sort((a, b) => b[1] - a[1])[0]!;
    if (count / total > MAX_REPLICA_SHARE) {
      warnings.push(
        `${name}: replica ${top} answered ${pct(count / total)} of the responses (more than ${pct(MAX_REPLICA_SHARE)}); ` +
          'the load did not spread — with ip_hash, use more --clients.',
      );
    }
  }
  const cpu = summary.generatorCpu.max ?? 0;
  if (cpu > GENERATOR_CPU_LIMIT) {
    warnings.push(
      `${name}: the load generator used ${pct(cpu)} of a CPU core; the numbers may measure autocannon, not the server.`,
    );
  }
  if (summary.errors > 0) warnings.push(`${name}: ${summary.errors} connection errors or timeouts.`);
  if (summary.non2xx > 0) warnings.push(`${name}: ${summary.non2xx} responses were not 2xx.`);
  if (result.parameters.counter === 'atomic' && (summary.lostUpdates?.max ?? 0) > 0) {
    warnings.push(`${name}: the atomic counter lost ${summary.lostUpdates?.max} updates; it must never lose one.`);
  }
  return warnings;
}

interface RatioDefinition {
  name: string;
  /** Candidates in order of preference: the first scenario present in the results is used. */
  numerators: string[];
  denominators: string[];
  question: string;
  target: number | null;
}

const RATIOS: RatioDefinition[] = [
  {
    name: 'stateful-read / stateless-info',
    numerators: ['stateful-session-read'],
    denominators: ['stateless-info'],
    question: 'What does reading a Redis session cost compared with no state at all?',
    target: 0.75,
  },
  {
    name: 'stateful-write / stateless-info',
    numerators: ['stateful-session-write'],
    denominators: ['stateless-info'],
    question: 'What does writing state (PostgreSQL + Redis) cost compared with no state?',
    target: null,
  },
  {
    name: 'stateless-info / baseline',
    // One replica against bare Express: through nginx the extra hop would be counted as app cost.
    numerators: ['stateless-info-direct', 'stateless-info'],
    denominators: ['baseline'],
    question: 'How far is one replica from bare Express (the cost of the app’s middleware)?',
    target: 0.85,
  },
  {
    name: 'nginx / direct',
    numerators: ['stateless-info'],
    denominators: ['stateless-info-direct'],
    question: 'Does nginx in front of 3 replicas beat one replica alone?',
    target: 1.2,
  },
  {
    name: 'products cached / uncached',
    numerators: ['stateless-products-cached'],
    denominators: ['stateless-products'],
    question: 'What does a 5 s edge cache in nginx buy a stateless, database-backed route?',
    target: null,
  },
];

/** Fewer runs than this give no interval worth quoting (the t value for 1 degree of freedom is 12.7). */
export const MIN_QUOTABLE_RUNS = 3;
/** A ratio whose 95 % interval is wider than ± this share of its centre is not fit to quote. */
export const MAX_QUOTABLE_HALF_WIDTH = 0.1;

/**
 * Whether a ratio may be quoted to a class: enough runs for an interval, and an interval narrow
 * enough that the same command run again would land inside it.
 */
export function quotability(perRun: readonly number[], interval: ReturnType<typeof ratioInterval>): { ok: boolean; reason: string } {
  if (perRun.length < MIN_QUOTABLE_RUNS || !interval) {
    return { ok: false, reason: `${perRun.length} run${perRun.length === 1 ? '' : 's'}: too few for an interval (use --runs ${Math.max(MIN_QUOTABLE_RUNS, 5)})` };
  }
  const width = `95 % interval ${interval.low.toFixed(2)}–${interval.high.toFixed(2)} (±${pct(interval.relativeHalfWidth)})`;
  if (interval.relativeHalfWidth > MAX_QUOTABLE_HALF_WIDTH) {
    return { ok: false, reason: `${width} is wider than ±${pct(MAX_QUOTABLE_HALF_WIDTH)}: the machine was not steady; run again with more --runs, --pin, on a quiet machine` };
  }
  return { ok: true, reason: `${width} over ${perRun.length} runs` };
}

/** Ratios of requests/s, computed run by run so slow drift of the machine cancels out. */
export function computeRatios(scenarios: ScenarioResult[]): RatioResult[] {
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const ratios: RatioResult[] = [];
  for (const def of RATIOS) {
    const numerator = def.numerators.map((n) => byName.get(n)).find((n) => n !== undefined);
    const denominator = def.denominators.map((d) => byName.get(d)).find((d) => d !== undefined);
    if (!numerator || !denominator) continue;
    const perRun: number[] = [];
    for (const run of numerator.runs) {
      const other = denominator.runs.find((r) => r.run === run.run);
      if (other && other.requestsPerSecond > 0) perRun.push(run.requestsPerSecond / other.requestsPerSecond);
    }
    if (perRun.length === 0) continue;
    const interval = ratioInterval(perRun);
    ratios.push({
      name: def.name,
      numerator: numerator.name,
      denominator: denominator.name,
      question: def.question,
      target: def.target,
      perRun,
      summary: spreadOf(perRun),
      interval: interval ? { level: 0.95, centre: interval.centre, low: interval.low, high: interval.high } : null,
      quotable: quotability(perRun, interval),
    });
  }
  return ratios;
}
