// One benchmark at a time from the lab page: the harness's own CLI (bench/cli.ts) as a child
// process, with the running cluster's topology in its environment, its progress read from
// `--progress-json` lines and its results from the folder it writes. The lab's own traffic is
// paused while it runs, so the numbers are the benchmark's alone.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { benchArgs, benchCommand, plannedSeconds } from './bench-command';
import { readRun, summariseRun } from './bench-results';
import { parseProgressLine, type ProgressLine } from '../../bench/progress-json';
import { timestampDirName } from '../../bench/report/write';
import { loadTopology, REPO_ROOT, topologyEnv, type Topology } from '../../cluster/topology';
import { AppError } from '../../src/errors/app-error';
import type { BenchFinished, BenchProgress, BenchRequest, BenchStarted } from '../lessons/08-state-has-a-price.contract';

/** What the runner needs of a child process (a real one, or a test's stand-in). */
export interface BenchChild {
  stderr: Readable | null;
  /** After the process ended and its stderr was read to the end ('exit' can come before the last lines). */
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
  kill(signal?: NodeJS.Signals): boolean;
}

export type LaunchBench = (args: string[], env: NodeJS.ProcessEnv) => BenchChild;

/** `node --import tsx bench/cli.ts …` from the repository's root, as `npm run bench` runs it (without npm in between). */
export const launchBenchCli: LaunchBench = (args, env) =>
  spawn(process.execPath, ['--import', 'tsx', 'bench/cli.ts', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * The child's environment: the lab's own (PATH, NODE_ENV, …) with every topology variable set to
 * the running cluster's, so the bench reaches exactly this cluster; without the lab token, which
 * the bench has no use for.
 */
export function benchEnvironment(topology: Topology, inherited: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...inherited, ...topologyEnv(topology) };
  delete env.LAB_TOKEN;
  return env;
}

/** One NAME=value of the command as the page shows it: a password in an outside service's URL is never shown. */
function shellWord(name: string, value: string): string {
  let shown = value;
  if (name === 'CLUSTER_DIR') shown = path.relative(REPO_ROOT, value) || '.';
  if (name.endsWith('_URL') && value) {
    const url = new URL(value);
    if (url.password) url.password = '***';
    shown = url.toString();
  }
  return /^[\w./:@%+=,-]*$/.test(shown) ? `${name}=${shown}` : `${name}='${shown.replace(/'/g, `'\\''`)}'`;
}

/** The topology variables a terminal needs before `npm run bench` to reach this cluster: those that differ from the defaults. */
export function commandPrefix(topology: Topology): string {
  const defaults = topologyEnv(loadTopology({}));
  return Object.entries(topologyEnv(topology))
    .filter(([name, value]) => defaults[name] !== value)
    .map(([name, value]) => `${shellWord(name, value)} `)
    .join('');
}

export interface BenchRunnerDeps {
  /** bench/results/ (absolute). */
  resultsDir: string;
  /** The child's environment: the running cluster's topology (topologyEnv), never the lab token. */
  env: NodeJS.ProcessEnv;
  /** What goes before `npm run bench` in the command the page shows. */
  commandPrefix: string;
  launch: LaunchBench;
  publish: <T>(kind: string, data: T, options?: { keep?: boolean }) => unknown;
  /** Stops the lab's traffic and refuses new runs until the returned function is called. */
  pauseTraffic: () => () => void;
  logger: Logger;
  /** A run that outlives its plan by this much is stopped (sessions, the baseline and tsx start take seconds). */
  graceMs?: number;
  now?: () => Date;
}

interface Running {
  started: BenchStarted;
  child: BenchChild;
  progress: BenchProgress | null;
  /** The previous tick of the same step and phase, for requests/s since then. */
  previous: ProgressLine | null;
  /** stderr lines that were not progress: the reason, when the run fails. */
  said: string[];
  stoppedBecause: string | null;
  resume: () => void;
  watchdog: NodeJS.Timeout;
}

const KEPT_LINES = 20;

/** Seconds of the whole benchmark still to come, from one tick (set-up and tsx start not counted). */
export function secondsLeft(tick: ProgressLine, warmupSeconds: number, durationSeconds: number): number {
  const perStep = warmupSeconds + durationSeconds;
  const inStep =
    tick.phase === 'sessions' ? perStep
    : tick.phase === 'warm-up' ? Math.max(0, tick.durationSeconds - tick.elapsedSeconds) + durationSeconds
    : tick.phase === 'measure' ? Math.max(0, tick.durationSeconds - tick.elapsedSeconds)
    : 0;
  return Math.round(inStep + (tick.steps - tick.step) * perStep);
}

/** Requests/s per replica between two ticks of one phase (from its start for the first tick). */
export function rpsBetween(previous: ProgressLine | null, tick: ProgressLine): Record<string, number> {
  const same = previous && previous.step === tick.step && previous.phase === tick.phase && previous.elapsedSeconds < tick.elapsedSeconds;
  const seconds = same ? tick.elapsedSeconds - previous.elapsedSeconds : tick.elapsedSeconds;
  if (seconds <= 0) return {};
  return Object.fromEntries(Object.entries(tick.perReplica).map(([replica, n]) => [replica, Math.round((n - (same ? (previous.perReplica[replica] ?? 0) : 0)) / seconds)]));
}

/** The failure in the bench's own words: its last `error:` line, else its last line, else the exit. */
function failureReason(said: string[], code: number | null, signal: NodeJS.Signals | null): string {
  const lines = said.map((l) => l.replace(/^\[bench\]\s*/, '').trim()).filter(Boolean);
  const error = [...lines].reverse().find((l) => l.startsWith('error:'));
  if (error) return error.replace(/^error:\s*/, '');
  if (lines.length) return lines.at(-1)!;
  return signal ? `the bench was ended by ${signal}` : `the bench exited with code ${code}`;
}

export class BenchRunner {
  private running: Running | null = null;
  private last: BenchFinished | null = null;

  constructor(private readonly deps: BenchRunnerDeps) {}

  snapshot(): { running: { started: BenchStarted; progress: BenchProgress | null } | null; last: BenchFinished | null } {
    return { running: this.running ? { started: this.running.started, progress: this.running.progress } : null, last: this.last };
  }

  /** Starts a benchmark; a second one while it runs is a 409. */
  start(request: BenchRequest): BenchStarted {
    if (this.running) {
      const { started, progress } = this.running;
      const left = progress ? `, about ${progress.secondsLeft} s left` : '';
      throw new AppError('BENCH_RUNNING', `A benchmark is running (${started.scenarios.join(', ')}, run ${started.runId}${left}): one at a time, wait for it to finish`, { runId: started.runId });
    }
    const now = this.deps.now?.() ?? new Date();
    const runId = this.freshRunId(now);
    const args = benchArgs(request, runId);
    const started: BenchStarted = {
      runId,
      scenarios: [...request.scenarios],
      runs: request.runs,
      durationSeconds: request.durationSeconds,
      warmupSeconds: request.warmupSeconds,
      command: benchCommand(this.deps.commandPrefix, args),
      startedAt: now.getTime(),
      plannedSeconds: plannedSeconds(request),
      prediction: request.prediction ?? null,
    };
    const resume = this.deps.pauseTraffic();
    let child: BenchChild;
    try {
      child = this.deps.launch(args, this.deps.env);
    } catch (error) {
      resume();
      throw error;
    }
    const graceMs = this.deps.graceMs ?? 180_000;
    const running: Running = {
      started,
      child,
      progress: null,
      previous: null,
      said: [],
      stoppedBecause: null,
      resume,
      watchdog: setTimeout(() => this.stop(`it ran ${Math.round(graceMs / 1000)} s past its plan of ${started.plannedSeconds} s`), started.plannedSeconds * 1000 + graceMs),
    };
    // The child keeps the lab alive while it runs; the watchdog alone must not.
    running.watchdog.unref();
    this.running = running;
    this.deps.logger.info({ runId, command: started.command }, 'benchmark started');
    this.deps.publish('started', started);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => this.onLine(running, line));
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (ended) return;
      ended = true;
      this.finish(running, code, signal, error);
    };
    child.once('close', (code, signal) => end(code, signal));
    child.once('error', (error) => end(null, null, error));
    return started;
  }

  /** Stops the running benchmark (SIGTERM: the harness's baseline server follows it). */
  stop(reason: string): boolean {
    if (!this.running || this.running.stoppedBecause) return false;
    this.running.stoppedBecause = reason;
    this.running.child.kill('SIGTERM');
    return true;
  }

  private freshRunId(now: Date): string {
    const base = timestampDirName(now);
    for (let n = 1; n < 100; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      if (!existsSync(path.join(this.deps.resultsDir, id)) && id !== this.last?.runId) return id;
    }
    throw new AppError('BENCH_RUNNING', 'too many benchmarks started within one second');
  }

  private onLine(running: Running, line: string): void {
    const tick = parseProgressLine(line);
    if (!tick) {
      if (!line.trim()) return;
      running.said = [...running.said, line].slice(-KEPT_LINES);
      this.deps.logger.info({ runId: running.started.runId, bench: line }, 'bench says');
      return;
    }
    const progress: BenchProgress = {
      runId: running.started.runId,
      scenario: tick.scenario,
      phase: tick.phase,
      run: tick.run,
      runs: tick.runs,
      step: tick.step,
      steps: tick.steps,
      elapsedSeconds: tick.elapsedSeconds,
      durationSeconds: tick.durationSeconds,
      secondsLeft: secondsLeft(tick, running.started.warmupSeconds, running.started.durationSeconds),
      perReplica: tick.perReplica,
      rpsPerReplica: rpsBetween(running.previous, tick),
    };
    running.previous = tick;
    running.progress = progress;
    // Streamed, not kept: a tick a second would crowd every other lesson's events out of the history.
    this.deps.publish('progress', progress, { keep: false });
  }

  private finish(running: Running, code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void {
    clearTimeout(running.watchdog);
    running.resume();
    this.running = null;
    const { runId, scenarios } = running.started;
    let finished: BenchFinished;
    if (code === 0) {
      try {
        const summary = summariseRun(runId, readRun(this.deps.resultsDir, runId));
        finished = { runId, scenarios, ok: true, error: null, ratios: summary.ratios, summary };
      } catch (error) {
        finished = { runId, scenarios, ok: false, error: `the bench ended but its results could not be read: ${error instanceof Error ? error.message : String(error)}`, ratios: [], summary: null };
      }
    } else {
      const why = spawnError ? `the bench could not be started: ${spawnError.message}` : running.stoppedBecause ? `stopped: ${running.stoppedBecause}` : failureReason(running.said, code, signal);
      finished = { runId, scenarios, ok: false, error: why, ratios: [], summary: null };
    }
    this.last = finished;
    this.deps.logger.info({ runId, ok: finished.ok, error: finished.error }, 'benchmark finished');
    this.deps.publish('finished', finished);
  }
}
