// What the chaos runner reads out of every recorded outcome: the counter of each client (judged by
// the one lost-update check, cluster/counter-check.ts), failures by route and replica, a timeline.
import type { Outcome, Route } from './outcomes';
import { counterCheck, type CounterCheck } from '../cluster/counter-check';

/** One client's atomic counter: `final` read back after the load. */
export function checkCounter(outcomes: Outcome[], final: number): CounterCheck {
  const posts = outcomes.filter((o) => o.route === 'counter-atomic' || o.route === 'counter-keyed');
  return counterCheck(posts.length, posts.filter((o) => o.status === 200).length, final);
}

export interface RouteSummary {
  route: Route;
  requests: number;
  failed: number;
  /** Failures by code, e.g. { BAD_GATEWAY: 3, REDIS_UNAVAILABLE: 40 }. */
  errors: Record<string, number>;
  maxLatencyMs: number;
  /** The slowest failure: a fault must fail fast, never hang. */
  maxFailedLatencyMs: number;
  /** Status of the route's last request: did it recover by the end? */
  lastStatus: number;
}

/**
 * A failure from the client's side: no answer, a 5xx, or a 4xx — every chaos client holds a
 * valid session, so a 401 there means its session was lost, not that it asked wrongly. The one
 * exception is a keyed POST's 409: a re-sent request whose first attempt still holds the key's
 * lease (docs/api.md), an answer the client is told to retry, never a lost effect.
 */
export function isFailure(o: Pick<Outcome, 'route' | 'status'>): boolean {
  if (o.route === 'counter-keyed' && o.status === 409) return false;
  return o.status === 0 || o.status >= 400;
}

const tally = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

const errorOf = (o: Outcome) => o.error ?? `HTTP_${o.status}`;

export interface FailureGroup {
  route: Route;
  /** The replica that answered ('nginx' when none did). */
  replica: string;
  error: string;
  count: number;
}

/** Failures grouped by route, answering replica and error: who failed, and how. */
export function failureGroups(outcomes: Outcome[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const o of outcomes.filter(isFailure)) {
    const replica = o.replica ?? 'nginx';
    const error = errorOf(o);
    const key = `${o.route} ${replica} ${error}`;
    const group = groups.get(key) ?? { route: o.route, replica, error, count: 0 };
    group.count += 1;
    groups.set(key, group);
  }
  return [...groups.values()];
}

export function summarizeRoutes(outcomes: Outcome[]): RouteSummary[] {
  const routes = [...new Set(outcomes.map((o) => o.route))];
  return routes.map((route) => {
    const mine = outcomes.filter((o) => o.route === route);
    const failed = mine.filter(isFailure);
    const errors: Record<string, number> = {};
    for (const o of failed) tally(errors, errorOf(o));
    return {
      route,
      requests: mine.length,
      failed: failed.length,
      errors,
      maxLatencyMs: Math.max(0, ...mine.map((o) => o.latencyMs)),
      maxFailedLatencyMs: Math.max(0, ...failed.map((o) => o.latencyMs)),
      lastStatus: mine.at(-1)?.status ?? 0,
    };
  });
}

export interface TimelineSecond {
  second: number;
  /** Successful requests per replica in this second. */
  ok: Record<string, number>;
  failed: number;
}

/** Per-second outcomes by replica, for the report's timeline. */
export function timeline(outcomes: Outcome[]): TimelineSecond[] {
  const seconds = new Map<number, TimelineSecond>();
  for (const o of outcomes) {
    const second = Math.floor(o.t / 1000);
    const entry = seconds.get(second) ?? { second, ok: {}, failed: 0 };
    if (isFailure(o)) entry.failed += 1;
    else tally(entry.ok, o.replica ?? 'nginx');
    seconds.set(second, entry);
  }
  return [...seconds.values()].sort((a, b) => a.second - b.second);
}
