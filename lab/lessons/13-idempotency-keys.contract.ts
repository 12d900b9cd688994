// The idempotency lesson's events (lesson 13, "A request cut off mid-flight"): what its view and
// its checks rely on. Types only: the page imports it.
import type { CounterCheck } from '../../cluster/counter-check';

/** The slug the lesson's events and endpoints carry. */
export const IDEMPOTENCY_LESSON = 'idempotency-keys';

/** POST /lab/api/lessons/idempotency-keys/runs */
export interface IdempotencyRunRequest {
  /** Send an Idempotency-Key with every increment and retry it with the same key. */
  keyed: boolean;
}

export type RunPhase = 'running' | 'killed' | 'restarting' | 'done' | 'failed';

/**
 * kind 'run': one run as it goes (published at each phase, the same runId each time) and, at
 * `done`, as it ended. The POST answers with the last one.
 */
export interface IdempotencyRun {
  runId: string;
  keyed: boolean;
  phase: RunPhase;
  startedAt: number;
  /** The run's parameters (the same as test/e2e/sigkill-idempotency.test.ts). */
  workers: number;
  durationMs: number;
  killAtMs: number;
  /** The first 8 characters of the session whose counter is incremented (never the whole id). */
  session: string | null;
  /** The replica killed (the one that had answered most of the run), once it was. */
  victim: string | null;
  /** Requests the victim had answered before the kill: the kill cut real traffic. */
  victimAnswered: number;
  /** Milliseconds after the start when the kill happened. */
  killedAtMs: number | null;
  /** HTTP requests of the run (a keyed increment may take several) by status; 0 = no answer. */
  statuses: Record<string, number>;
  /** Answers by replica (X-Instance-Id). */
  replicas: Record<string, number>;
  /** Requests whose X-Upstream lists two replicas: nginx sent them on after a failure. */
  nginxRetries: number;
  /** Answers with Idempotent-Replayed: true. */
  replays: number;
  /** The one counter check (cluster/counter-check.ts) over operations, once the counter was read. */
  check: CounterCheck | null;
  /** Seconds from the start until nginx sent the restarted replica traffic again. */
  servingAgainAfterS: number | null;
  /** Why the run failed, when it did. */
  error: string | null;
}

/** GET …/runs and the `hello` snapshot: the runs kept (newest last). */
export interface IdempotencySnapshot {
  runs: IdempotencyRun[];
}
