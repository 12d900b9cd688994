// The bench lesson's events (lesson 8, "State has a price"): what its view and other lessons'
// checks (lesson 11 reads the cached/uncached ratio from a finished run) may rely on. Types only.
import type { RatioResult } from '../../bench/results-schema';

/** The slug the bench lesson's events and endpoints carry. */
export const BENCH_LESSON = 'state-has-a-price';

/** kind 'started': a benchmark began (one at a time; the lab's own traffic is paused meanwhile). */
export interface BenchStarted {
  runId: string;
  scenarios: string[];
  runs: number;
  durationSeconds: number;
  /** The terminal command that runs the same benchmark. */
  command: string;
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
}
