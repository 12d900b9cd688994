// The bench lesson's events (lesson 8, "State has a price"): what its view and other lessons'
// checks (lesson 11 reads the cached/uncached ratio from a finished run) may rely on. Types only,
// and the bounds and choices the page offers (data both sides read).
import type { RatioResult } from '../../bench/results-schema';

/** The slug the bench lesson's events and endpoints carry. */
export const BENCH_LESSON = 'state-has-a-price';

/** What a benchmark from the page may ask for; the controller refuses anything outside. */
export const BENCH_LIMITS = {
  runs: { min: 1, max: 5 },
  durationSeconds: { min: 1, max: 30 },
  warmupSeconds: { min: 0, max: 5 },
  /** scenarios × runs × (warm-up + duration): one benchmark holds the machine at most this long. */
  plannedSeconds: 600,
} as const;

/** The comparisons the panel offers first; any list of the harness's scenarios may be chosen instead. */
export const BENCH_PRESETS = [
  { id: 'state', label: 'What state costs: stateless vs session read vs session write', scenarios: ['stateless-info', 'stateful-session-read', 'stateful-session-write'] },
  { id: 'session-read', label: 'A session read: stateless vs stateful-session-read', scenarios: ['stateless-info', 'stateful-session-read'] },
  { id: 'edge-cache', label: 'The edge cache: products uncached vs cached', scenarios: ['stateless-products', 'stateless-products-cached'] },
] as const;

/** POST /lab/api/lessons/state-has-a-price/runs. */
export interface BenchRequest {
  /** Harness scenario names (`npm run bench -- --list`), each at most once. */
  scenarios: string[];
  runs: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** The student's guess of the state ratio (stateful / stateless requests/s), before the run. */
  prediction?: number;
}

/** kind 'started': a benchmark began (one at a time; the lab's own traffic is paused meanwhile). */
export interface BenchStarted {
  runId: string;
  scenarios: string[];
  runs: number;
  durationSeconds: number;
  /** The terminal command that runs the same benchmark. */
  command: string;
  warmupSeconds: number;
  /** Epoch milliseconds. */
  startedAt: number;
  /** scenarios × runs × (warm-up + duration), without session set-up. */
  plannedSeconds: number;
  prediction: number | null;
}

/** kind 'progress' (streamed, not kept): one tick of the running benchmark, about once a second. */
export interface BenchProgress {
  runId: string;
  scenario: string;
  phase: 'sessions' | 'warm-up' | 'measure' | 'counter check';
  run: number;
  runs: number;
  step: number;
  steps: number;
  elapsedSeconds: number;
  durationSeconds: number;
  /** About how long the whole benchmark still runs. */
  secondsLeft: number;
  /** Responses so far in this phase, per replica (X-Instance-Id), as the load generator counted them. */
  perReplica: Record<string, number>;
  /** Requests/s per replica since the previous tick. */
  rpsPerReplica: Record<string, number>;
}

/** One scenario of a run, as the panel shows it (from results.json). */
export interface BenchScenarioSummary {
  name: string;
  description: string;
  requestsPerSecond: { median: number | null; min: number | null; max: number | null; ci95Low: number | null; ci95High: number | null };
  p99Ms: number | null;
  /** Responses per replica over all runs, and each one's share of them. */
  replicas: { replica: string; responses: number; share: number }[];
  meantToSpread: boolean;
  errors: number;
  non2xx: number;
}

/** A finished run read back from bench/results/<runId>/results.json. */
export interface BenchRunSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  commandLine: string;
  runs: number;
  scenarios: BenchScenarioSummary[];
  /** The harness's own ratios, unchanged. */
  ratios: RatioResult[];
  /** The warnings the report prints. */
  warnings: string[];
  /** "What does state cost?" in one sentence with the measured numbers, or null when the run cannot say. */
  answer: string | null;
  /** GET this for the run's report.html, served by the lab. */
  reportUrl: string;
}

/** kind 'finished': it ended and wrote bench/results/<runId>/ (results.json, report.md, report.html). */
export interface BenchFinished {
  runId: string;
  scenarios: string[];
  ok: boolean;
  /** Why it failed, when it did. */
  error: string | null;
  /** The harness's own ratios from results.json, unchanged. */
  ratios: RatioResult[];
  /** The run as the panel shows it; null when it failed. */
  summary: BenchRunSummary | null;
}

/** kind 'reading' (POST …/readings): the student read the state ratio of a run off the page. */
export interface BenchReading {
  runId: string;
  /** The ratio read, e.g. 'stateful-read / stateless-info'. */
  ratio: string;
  value: number;
  measured: { median: number; min: number; max: number };
  /** Within the run's interval, give or take 0.05 (the page rounds to two decimals). */
  close: boolean;
}

/** Means over the runs of A and B, (B − A) / A, and Welch's p; null where it cannot be computed (one run). */
export interface BenchMetricChange {
  a: number | null;
  b: number | null;
  change: number | null;
  pValue: number | null;
  verdict: string;
}

/** One scenario in both runs of a comparison (bench/compare.ts, Welch's t-test over the runs). */
export interface BenchComparisonRow {
  scenario: string;
  runsA: number;
  runsB: number;
  requestsPerSecond: BenchMetricChange;
  p99Ms: BenchMetricChange;
}

/** GET …/compare?a=<runId>&b=<runId>: the harness's compare of two runs. */
export interface BenchComparison {
  a: string;
  b: string;
  rows: BenchComparisonRow[];
  onlyInA: string[];
  onlyInB: string[];
  caveats: string[];
}

/** The lesson's part of the `hello` state: enough for a page that connects while a benchmark runs. */
export interface BenchSnapshot {
  running: { started: BenchStarted; progress: BenchProgress | null } | null;
  /** The last benchmark that ended since the lab started. */
  last: BenchFinished | null;
  /** Every scenario of the harness, in its order. */
  scenarios: { name: string; description: string }[];
  /** What goes before `npm run bench -- …` to reach this cluster (its topology when not the default), or ''. */
  commandPrefix: string;
}
