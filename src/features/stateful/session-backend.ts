import type { RequestHandler } from 'express';
import type { StoreName } from '../../infra/metrics';

/**
 * What differs between the Redis-backed `/stateful` routes and the in-memory `/local` routes.
 * The route code is shared; only the backend changes — which is the whole lesson.
 */
export interface SessionBackend {
  /** Metric and audit label: where sessions live. */
  store: StoreName;
  /** URL segment and metric kind. */
  kind: 'stateful' | 'local';
  /** express-session middleware bound to this backend's store and cookie. */
  session: RequestHandler;
  /** Cookie name, so DELETE can clear it. */
  cookieName: string;
  /** Counter that never loses an update, keyed by session id. */
  counters: AtomicCounters;
  /** Maps a store failure to the error the client sees (REDIS_UNAVAILABLE for Redis). */
  storeError(cause: unknown): Error;
}

export interface AtomicCounters {
  /** Adds one. Under an Idempotency-Key, at most once per key: a re-run returns the first value. */
  increment(sessionId: string, idempotencyKey?: string): Promise<number>;
  read(sessionId: string): Promise<number>;
  remove(sessionId: string): Promise<void>;
}

declare module 'express-session' {
  interface SessionData {
    createdBy: string;
    createdAt: string;
    lastSeenAt: string;
    messageCount: number;
    naiveCounter: number;
  }
}
