import session from 'express-session';
import type { Config } from '../../config/config';
import { sessionCookie } from '../stateful/session-cookie';
import type { AtomicCounters, SessionBackend } from '../stateful/session-backend';
import { BoundedMemoryStore } from './bounded-memory-store';

/**
 * Teaching note: the naive way. Sessions live in this process's memory, so another replica has
 * never heard of them and a restart forgets them all. Behind a balancer without affinity the
 * session "randomly disappears" — this backend exists so the class can watch that happen. The
 * store is bounded (LOCAL_SESSIONS_MAX, and each session's expiry), so the lesson cannot be
 * turned into filling a replica's heap.
 */
export function createMemoryBackend(config: Config): SessionBackend {
  const cookieName = 'statelab.local.sid';
  const values = new Map<string, number>();
  const store = new BoundedMemoryStore(config.localSessionsMax, config.sessionTtlSeconds * 1000, (sessionId) => values.delete(sessionId));

  // JavaScript runs one callback at a time per process, so a synchronous read-add-write of a
  // Map entry cannot interleave with another request: atomic within this one replica.
  const counters: AtomicCounters = {
    async increment(sessionId) {
      const value = (values.get(sessionId) ?? 0) + 1;
      values.set(sessionId, value);
      return value;
    },
    async read(sessionId) {
      return values.get(sessionId) ?? 0;
    },
    async remove(sessionId) {
      values.delete(sessionId);
    },
  };

  return {
    store: 'memory',
    kind: 'local',
    cookieName,
    counters,
    storeError: (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
    session: session({ ...sessionCookie(config, cookieName), store }),
  };
}
