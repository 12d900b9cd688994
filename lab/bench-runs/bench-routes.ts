// The bench panel's endpoints, mounted at /lab/api/lessons/state-has-a-price/ behind the lab's
// token guard (every POST needs the token). Bodies are strict and bounded; run ids are checked by
// bench-results.ts before any path is built from them.
import express, { type Router } from 'express';
import { z } from 'zod';
import { plannedSeconds } from './bench-command';
import { compareRuns, listRuns, readReport, readRun, stateRatio } from './bench-results';
import type { BenchRunner } from './bench-runner';
import { SCENARIOS } from '../../bench/scenarios';
import { AppError } from '../../src/errors/app-error';
import { BENCH_LIMITS, type BenchReading } from '../lessons/08-state-has-a-price.contract';

const names = SCENARIOS.map((s) => s.name) as [string, ...string[]];
const bounded = (range: { min: number; max: number }) => z.number().int().min(range.min).max(range.max);

export const benchRequestSchema = z
  .strictObject({
    scenarios: z.array(z.enum(names)).min(1).max(names.length).refine((list) => new Set(list).size === list.length, 'each scenario at most once'),
    runs: bounded(BENCH_LIMITS.runs),
    durationSeconds: bounded(BENCH_LIMITS.durationSeconds),
    warmupSeconds: bounded(BENCH_LIMITS.warmupSeconds),
    prediction: z.number().min(0.01).max(100).optional(),
  })
  .refine((r) => plannedSeconds(r) <= BENCH_LIMITS.plannedSeconds, {
    message: `scenarios × runs × (warm-up + duration) must stay within ${BENCH_LIMITS.plannedSeconds} s: choose fewer scenarios, runs or seconds`,
    path: ['runs'],
  });

const runId = z.string().max(40);
const readingBody = z.strictObject({ runId, value: z.number().min(0).max(100) });
const compareQuery = z.strictObject({ a: runId, b: runId });

/**
 * report.html is the harness's own self-contained page (inline CSS and SVG, no scripts): it may
 * style itself and nothing else — no script, no fetch, no frame, no form, no base — even if a
 * results folder were tampered with.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";

/** Read back to two decimals, as the page shows ratios, and allowed 0.05 either side of the interval. */
function isClose(value: number, min: number, max: number): boolean {
  const round = (x: number) => Math.round(x * 100) / 100;
  return value >= round(min) - 0.05 - 1e-9 && value <= round(max) + 0.05 + 1e-9;
}

export interface BenchRoutesDeps {
  runner: BenchRunner;
  resultsDir: string;
  /** Publishes a reading for the worksheet's check. */
  publishReading: (reading: BenchReading) => void;
}

export function benchRouter({ runner, resultsDir, publishReading }: BenchRoutesDeps): Router {
  const router = express.Router();

  router.get('/runs', (_req, res) => {
    res.json({ runs: listRuns(resultsDir) });
  });
  router.post('/runs', (req, res) => {
    res.status(202).json(runner.start(benchRequestSchema.parse(req.body ?? {})));
  });
  router.post('/runs/stop', (_req, res) => {
    res.json({ stopped: runner.stop('stopped from the page') });
  });
  router.get('/runs/:id/report.html', (req, res) => {
    const html = readReport(resultsDir, req.params.id);
    res.set({ 'Content-Security-Policy': REPORT_CSP, 'X-Content-Type-Options': 'nosniff' });
    res.type('html').send(html);
  });
  router.get('/compare', (req, res) => {
    const { a, b } = compareQuery.parse(req.query);
    res.json(compareRuns(resultsDir, a, b));
  });
  router.post('/readings', (req, res) => {
    const { runId: id, value } = readingBody.parse(req.body ?? {});
    const ratio = stateRatio(readRun(resultsDir, id).ratios);
    if (!ratio) throw new AppError('VALIDATION_FAILED', `run ${id} measured no session read or write against stateless-info: there is no state ratio to read`);
    // stateRatio returns only ratios with a median, and min and max come from the same per-run values.
    const { median, min, max } = ratio.summary as { median: number; min: number; max: number };
    const reading: BenchReading = { runId: id, ratio: ratio.name, value, measured: { median, min, max }, close: isClose(value, min, max) };
    publishReading(reading);
    res.json(reading);
  });
  return router;
}
