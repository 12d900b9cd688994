// The benchmark runs the lab shows: bench/results/<runId>/results.json read back through the
// harness's own schema (bench/results-schema.ts) and compare (bench/compare.ts), never its runner.
// A run id comes from a URL, so it is checked against one strict pattern and the path it names
// must stay inside bench/results/ once every symlink is resolved.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { compareResults } from '../../bench/compare';
import { fmt } from '../../bench/report/format';
import { parseResults, type RatioResult, type Results } from '../../bench/results-schema';
import { AppError } from '../../src/errors/app-error';
import { BENCH_LESSON, type BenchComparison, type BenchRunSummary, type BenchScenarioSummary } from '../lessons/08-state-has-a-price.contract';

/** The folders the bench names itself (report/write.ts timestampDirName), with the lab's -N for a second run in one second. */
export const RUN_ID = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z(-\d{1,2})?$/;
/** Earlier runs the panel lists, newest first. */
export const LISTED_RUNS = 20;
/** A results.json of all 12 scenarios × 5 runs is ~150 KiB; anything far larger is not one. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** The ratios that answer "what does state cost?", in the order the sentence uses them. */
const STATE_RATIOS = ['stateful-read / stateless-info', 'stateful-write / stateless-info'] as const;

/** How the sentence names each side of the harness's ratios. */
const PHRASES: Record<string, { what: string; against: string }> = {
  'stateful-read / stateless-info': { what: 'a session read through Redis', against: 'a stateless request' },
  'stateful-write / stateless-info': { what: 'a session write (PostgreSQL insert + Redis)', against: 'a stateless request' },
  'products cached / uncached': { what: "the catalogue through nginx's 5 s edge cache", against: 'the uncached catalogue (a PostgreSQL read each time)' },
  'stateless-info / baseline': { what: "one replica's stateless route", against: 'bare Express' },
  'nginx / direct': { what: 'nginx in front of every replica', against: 'one replica alone' },
};

export function reportUrl(runId: string): string {
  return `/lab/api/lessons/${BENCH_LESSON}/runs/${runId}/report.html`;
}

/** The folder of a run, or an error: 400 for an id that is not one, 404 for one that does not exist here. */
export function runDir(resultsDir: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new AppError('VALIDATION_FAILED', 'a run id looks like 2026-12-04T10-00-00Z (a folder of bench/results/)');
  const dir = path.join(resultsDir, runId);
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    throw new AppError('BENCH_RUN_NOT_FOUND', `no benchmark run ${runId} in bench/results/`);
  }
  // A symlinked folder pointing elsewhere is not a run of this repository.
  if (path.dirname(real) !== realpathSync(resultsDir)) throw new AppError('BENCH_RUN_NOT_FOUND', `no benchmark run ${runId} in bench/results/`);
  return real;
}

function readBounded(file: string, runId: string): string {
  if (!existsSync(file) || !statSync(file).isFile() || statSync(file).size > MAX_FILE_BYTES) {
    throw new AppError('BENCH_RUN_NOT_FOUND', `benchmark run ${runId} has no ${path.basename(file)}`);
  }
  return readFileSync(file, 'utf8');
}

export function readRun(resultsDir: string, runId: string): Results {
  const text = readBounded(path.join(runDir(resultsDir, runId), 'results.json'), runId);
  try {
    return parseResults(JSON.parse(text));
  } catch {
    throw new AppError('BENCH_RUN_NOT_FOUND', `bench/results/${runId}/results.json is not a results file this version of the harness reads`);
  }
}

/** The run's report.html, as the harness wrote it. */
export function readReport(resultsDir: string, runId: string): string {
  return readBounded(path.join(runDir(resultsDir, runId), 'report.html'), runId);
}

function scenarioSummary(s: Results['scenarios'][number]): BenchScenarioSummary {
  const total = Object.values(s.summary.perReplica).reduce((a, b) => a + b, 0);
  const q = s.summary.requestsPerSecond;
  return {
    name: s.name,
    description: s.description,
    requestsPerSecond: { median: q.median, min: q.min, max: q.max, ci95Low: q.ci95Low, ci95High: q.ci95High },
    p99Ms: s.summary.latencyMs.p99.median,
    replicas: Object.entries(s.summary.perReplica)
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([replica, responses]) => ({ replica, responses, share: total ? responses / total : 0 })),
    meantToSpread: s.meantToSpread,
    errors: s.summary.errors,
    non2xx: s.summary.non2xx,
  };
}

/** The state ratio of a run (a session read, else a session write, against stateless-info), if it measured one. */
export function stateRatio(ratios: readonly RatioResult[]): RatioResult | undefined {
  for (const name of STATE_RATIOS) {
    const found = ratios.find((r) => r.name === name && r.summary.median !== null);
    if (found) return found;
  }
  return undefined;
}

function clause(results: Results, ratio: RatioResult, first: boolean): string {
  const rps = (name: string) => results.scenarios.find((s) => s.name === name)?.summary.requestsPerSecond.median ?? null;
  const phrase = PHRASES[ratio.name] ?? { what: ratio.numerator, against: ratio.denominator };
  const { median, min, max } = ratio.summary;
  const interval = ratio.interval ? `, 95 % interval ${fmt(ratio.interval.low, 2)}–${fmt(ratio.interval.high, 2)}` : '';
  const unfit = ratio.quotable && !ratio.quotable.ok ? ' (not fit to quote)' : '';
  const spread = ratio.perRun.length > 1 ? `runs ${fmt(min, 2)}–${fmt(max, 2)}${interval} over ${ratio.perRun.length} runs${unfit}` : 'one run, so no interval yet';
  const head = first ? `${phrase.what} served ${fmt(median, 2)}× the requests/s of ${phrase.against}` : `${phrase.what} ${fmt(median, 2)}×`;
  return `${head}: ${fmt(rps(ratio.numerator))} vs ${fmt(rps(ratio.denominator))} req/s, ${spread}`;
}

/**
 * "What does state cost?" in one sentence with the run's own numbers: the state ratios when the run
 * measured them, else the first ratio it has (the edge cache's, say), else null.
 */
export function stateAnswer(results: Results): string | null {
  const usable = results.ratios.filter((r) => r.summary.median !== null);
  const state = STATE_RATIOS.map((name) => usable.find((r) => r.name === name)).filter((r): r is RatioResult => r !== undefined);
  const chosen = state.length ? state : usable.slice(0, 1);
  if (!chosen.length) return null;
  return `On this machine ${chosen.map((r, i) => clause(results, r, i === 0)).join('; and ')}.`;
}

export function summariseRun(runId: string, results: Results): BenchRunSummary {
  return {
    runId,
    startedAt: results.environment.startedAt,
    finishedAt: results.environment.finishedAt,
    commandLine: results.environment.commandLine,
    runs: results.settings.runs,
    scenarios: results.scenarios.map(scenarioSummary),
    ratios: results.ratios,
    warnings: results.warnings,
    answer: stateAnswer(results),
    reportUrl: reportUrl(runId),
  };
}

/** The newest runs (by folder name, which is the start time), readable ones only. */
export function listRuns(resultsDir: string, limit = LISTED_RUNS): BenchRunSummary[] {
  if (!existsSync(resultsDir)) return [];
  const ids = readdirSync(resultsDir).filter((name) => RUN_ID.test(name)).sort().reverse();
  const runs: BenchRunSummary[] = [];
  for (const id of ids) {
    if (runs.length >= limit) break;
    try {
      runs.push(summariseRun(id, readRun(resultsDir, id)));
    } catch {
      // A run cut off before it wrote results.json, or one from an older schema: not listed.
    }
  }
  return runs;
}

/** Two runs side by side with the harness's own compare (`npm run bench:compare -- bench/results/<a> bench/results/<b>`). */
export function compareRuns(resultsDir: string, a: string, b: string): BenchComparison {
  return { a, b, ...compareResults(readRun(resultsDir, a), readRun(resultsDir, b)) };
}
