// The one lost-update check: what the clients were told (acknowledged) must be a subset of what is
// stored, which must be a subset of what was attempted — Jepsen's counter checker, on counts. The
// lab's race, the bench's counter scenarios and the chaos runner all judge a counter with it.

export interface CounterCheck {
  /** Increments sent (distinct operations: a keyed increment retried three times is one). */
  attempted: number;
  /** Increments answered with success. */
  acknowledged: number;
  /** Increments that got no success answer (5xx, reset, timeout): the client cannot know. */
  unacknowledged: number;
  /** The counter's value read back after every request finished. */
  final: number;
  /** Acknowledged increments the store no longer has: acknowledged − final, when positive. */
  lost: number;
  /** Increments stored more often than they were attempted. */
  duplicated: number;
  /** Unacknowledged increments that were applied anyway: cut off, then found done. */
  ambiguousApplied: number;
}

/** Judges one counter from its counts. */
export function counterCheck(attempted: number, acknowledged: number, final: number): CounterCheck {
  return {
    attempted,
    acknowledged,
    unacknowledged: attempted - acknowledged,
    final,
    lost: Math.max(0, acknowledged - final),
    duplicated: Math.max(0, final - attempted),
    ambiguousApplied: Math.min(attempted - acknowledged, Math.max(0, final - acknowledged)),
  };
}

/**
 * Several counters (one per session) added up after each was judged on its own: a session can
 * only lose its own increments, so one session's surplus never hides another's loss.
 */
export function sumCounters(checks: readonly CounterCheck[]): CounterCheck {
  const total: CounterCheck = { attempted: 0, acknowledged: 0, unacknowledged: 0, final: 0, lost: 0, duplicated: 0, ambiguousApplied: 0 };
  for (const c of checks) for (const key of Object.keys(total) as (keyof CounterCheck)[]) total[key] += c[key];
  return total;
}
