// The idempotency lesson's workload: many clients send POST …/counter/atomic while something
// breaks — with an Idempotency-Key per increment, retried with the same key until acknowledged,
// or without keys and never retried. Each HTTP request leaves an attempt record (status, replica,
// nginx's X-Upstream, replays), each increment an operation record, and the counter is checked
// over operations (chaos/checks.ts): acknowledged ≤ stored ≤ attempted. An increment that failed
// mid-flight is *indeterminate* — it may or may not have been applied. Requests go through the
// chaos runner's one HTTP sender (chaos/outcomes.ts); what differs is the retry discipline the
// keyed contrast needs.
import { randomUUID } from 'node:crypto';
import { send } from './outcomes';
import { counterCheck, type CounterCheck } from '../cluster/counter-check';
import { SimulatedClient } from '../cluster/simulated-client';

/** One HTTP request of the workload. */
export interface AttemptRecord {
  /** The logical operation (one increment) this request belongs to. */
  op: number;
  /** Its Idempotency-Key, in a keyed run: every retry of an operation sends the same one. */
  key?: string;
  /** 1 for the first try of the operation, 2 for the first retry, … */
  attempt: number;
  worker: number;
  /** Milliseconds since the workload started. */
  startedMs: number;
  endedMs: number;
  /** HTTP status, or 0 when no response came (connection refused, reset, timed out). */
  status: number;
  error?: string;
  /** X-Instance-Id: the replica that answered. */
  instance?: string;
  /** X-Upstream: two or more addresses mean nginx tried another replica after a failure. */
  upstream?: string;
  replayed: boolean;
  value?: number;
}

export type OperationOutcome = 'acknowledged' | 'indeterminate';

export interface OperationRecord {
  op: number;
  key?: string;
  attempts: number;
  outcome: OperationOutcome;
}

export interface WorkloadOptions {
  /** nginx, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** `statelab.sid=…` of the session whose counter is incremented. */
  cookie: string;
  workers: number;
  durationMs: number;
  /** Send an Idempotency-Key with every operation and retry it until acknowledged. */
  keyed: boolean;
  /** How long a keyed operation may keep retrying before it counts as indeterminate. */
  retryForMs?: number;
  /** Source address of worker i (ip_hash spreads distinct /24s over the replicas). */
  addressOf?: (worker: number) => string;
}

export interface Workload {
  /** Filled in as requests finish, so a caller can watch the run (e.g. pick a busy replica). */
  attempts: AttemptRecord[];
  done: Promise<{ attempts: AttemptRecord[]; operations: OperationRecord[]; durationMs: number }>;
}

const PATH = '/api/v1/stateful/counter/atomic';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the workload. Without keys a failed request is never retried — retrying it could apply
 * it twice, which is the lesson. With keys a failed operation is retried with the same key
 * (after Retry-After on a 409) until it is acknowledged or `retryForMs` has passed.
 */
export function runCounterWorkload(options: WorkloadOptions): Workload {
  const attempts: AttemptRecord[] = [];
  const operations: OperationRecord[] = [];
  const started = Date.now();
  const since = () => Date.now() - started;
  const retryForMs = options.retryForMs ?? 30_000;
  let nextOp = 0;

  async function worker(index: number): Promise<void> {
    const address = options.addressOf?.(index) ?? '127.0.0.1';
    const client = new SimulatedClient(options.baseUrl, { id: `worker-${index}`, address, maxSockets: 1 });
    client.cookie = options.cookie;
    try {
      while (since() < options.durationMs) {
        const op = nextOp++;
        const key = options.keyed ? randomUUID() : undefined;
        const opStarted = Date.now();
        const record: OperationRecord = { op, key, attempts: 0, outcome: 'indeterminate' };
        operations.push(record);
        for (;;) {
          record.attempts += 1;
          const attempt: AttemptRecord = { op, key, attempt: record.attempts, worker: index, startedMs: since(), endedMs: 0, status: 0, replayed: false };
          const headers: Record<string, string> = { accept: 'application/json' };
          if (key) headers['idempotency-key'] = key;
          const { outcome, exchange: reply } = await send(client, key ? 'counter-keyed' : 'counter-atomic', started, { method: 'POST', path: PATH, headers, timeoutMs: 10_000 });
          Object.assign(attempt, {
            status: reply.status,
            instance: reply.replica ?? undefined,
            upstream: reply.upstream ?? undefined,
            replayed: reply.headers['idempotent-replayed'] === 'true',
          });
          if (reply.status === 0) attempt.error = outcome.error ?? 'no response';
          if (reply.status === 200) attempt.value = reply.json.value as number;
          const retryAfter = Number(reply.headers['retry-after']);
          const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 100;
          attempt.endedMs = since();
          attempts.push(attempt);
          if (attempt.status === 200) {
            record.outcome = 'acknowledged';
            break;
          }
          if (!key || Date.now() - opStarted > retryForMs) break;
          await sleep(retryAfterMs);
        }
      }
    } finally {
      client.close();
    }
  }

  const done = Promise.all(Array.from({ length: options.workers }, (_, i) => worker(i))).then(() => ({
    attempts,
    operations: operations.sort((a, b) => a.op - b.op),
    durationMs: since(),
  }));
  return { attempts, done };
}

/**
 * The counter check (chaos/checks.ts) over operations, not HTTP requests: in a keyed run every
 * retry of an increment carries the same key, so an operation is attempted once however many
 * requests it took.
 */
export function checkOperations(operations: OperationRecord[], final: number): CounterCheck {
  return counterCheck(operations.length, operations.filter((o) => o.outcome === 'acknowledged').length, final);
}
