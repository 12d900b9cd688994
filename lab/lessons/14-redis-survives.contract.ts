// The durability lesson's events (lesson 14, "Redis must survive too"): what its view on the page
// draws and its checks read. Types and constants only: the page imports it.

/** The slug the lesson's events and endpoints carry. */
export const DURABILITY_LESSON = 'durability';

/** How a student restarts a standalone cluster with a Redis replica and three Sentinels. */
export const SENTINEL_RESTART = 'npm run cluster -- down && REDIS_MODE=sentinel npm run cluster -- up';

/** POST /lab/api/lessons/durability/sessions: open this many sessions through nginx. */
export interface SessionsRequest {
  /** 1..200. */
  count: number;
}

/**
 * kind 'sessions': a batch of sessions opened. Teaching note: a session id is a credential, so
 * the lab keeps the cookies to itself and shows each session by a handle — the first 8 hex of
 * SHA-256 of its id, which names it without giving it away.
 */
export interface SessionBatch {
  id: string;
  at: number;
  requested: number;
  created: number;
  /** Answers that were not 201 (Redis down, rate limited): by status and code. */
  failed: Record<string, number>;
  /** The handles of the first sessions of the batch (at most 12). */
  handles: string[];
  /** Sessions the lab holds now, this batch included. */
  held: number;
}

/** One Redis server (or Sentinel) of the cluster as the count saw it. */
export interface RedisSeen {
  name: string;
  state: string;
  ready: boolean;
  pid: number | null;
  role: 'primary' | 'replica' | 'sentinel' | null;
}

/** kind 'count': every held session asked for once through nginx (GET …/sessions/current). */
export interface SessionCount {
  id: string;
  at: number;
  /** 'student': the Count button; 'failover': the count a failover run ends with. */
  by: 'student' | 'failover';
  held: number;
  /** 200: the session is still in Redis. */
  found: number;
  /** 401/404: Redis answered and no longer has it. */
  lost: number;
  /** 503 or no answer: Redis could not be asked. */
  unavailable: number;
  redis: RedisSeen[];
}

/** One session write of a failover run (POST …/counter/naive, a write to the session). */
export interface FailoverWrite {
  /** Milliseconds from the kill. Negative: before it. */
  t: number;
  status: number;
  errorCode: string | null;
  replica: string | null;
  latencyMs: number;
}

/** kind 'failover': a failover run, while it runs (streamed only) and when it ended (kept). */
export interface FailoverRun {
  id: string;
  startedAt: number;
  running: boolean;
  /** The Redis that was primary and was killed. */
  killed: string | null;
  killedAt: number | null;
  /** The Redis the Sentinels made primary, and how long after the kill the lab saw it. */
  promoted: string | null;
  promotedAfterMs: number | null;
  writes: FailoverWrite[];
  /** Milliseconds from the kill to the first write answered 201/200 after the last failed one; null while none came back. */
  recoveredAfterMs: number | null;
  /** The count of every held session once the writes came back. */
  count: SessionCount | null;
  /** Why the run ended early, if it did. */
  error: string | null;
}

/** What a page that connects late draws. */
export interface DurabilitySnapshot {
  redisMode: 'standalone' | 'sentinel';
  held: number;
  batches: SessionBatch[];
  counts: SessionCount[];
  failover: FailoverRun | null;
}
