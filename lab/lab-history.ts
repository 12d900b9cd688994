import type { ActionEvent, LessonEvent, RaceResult, RequestEvent, SessionPair } from './lab-types';

/** Enough for several minutes of a class's traffic; older requests fall off the front. */
const MAX_REQUESTS = 20_000;
const MAX_ACTIONS = 500;
const MAX_RACES = 100;
const MAX_SESSION_READS = 2_000;
const MAX_LESSON_EVENTS = 5_000;

/** A session read as the checks need it: when, and what each store answered. */
export interface SessionSnapshot {
  at: number;
  pairs: SessionPair[];
}

/**
 * What happened since the last reset, as the lab saw it. The checks (lab-checks.ts) read only
 * this and the cluster's current state, which makes them read-only and idempotent: running a
 * check twice gives the same answer and changes nothing on the cluster.
 */
export class LabHistory {
  requests: RequestEvent[] = [];
  actions: ActionEvent[] = [];
  races: RaceResult[] = [];
  sessionReads: SessionSnapshot[] = [];
  /** What the lesson views did (logins, limit probes, benchmarks, backups…), for their checks. */
  lessonEvents: LessonEvent[] = [];
  since = Date.now();

  recordRequest(event: RequestEvent): void {
    push(this.requests, event, MAX_REQUESTS);
  }

  recordAction(event: ActionEvent): void {
    push(this.actions, event, MAX_ACTIONS);
  }

  recordRace(result: RaceResult): void {
    push(this.races, result, MAX_RACES);
  }

  recordSessions(snapshot: SessionSnapshot): void {
    push(this.sessionReads, snapshot, MAX_SESSION_READS);
  }

  recordLessonEvent(event: LessonEvent): void {
    push(this.lessonEvents, event, MAX_LESSON_EVENTS);
  }

  /** One lesson's events of one kind, oldest first; `T` is the shape that lesson publishes for it. */
  lessonEventsOf<T>(lesson: string, kind: string): LessonEvent<T>[] {
    return this.lessonEvents.filter((e): e is LessonEvent<T> => e.lesson === lesson && e.kind === kind);
  }

  /** The newest `n` request events, oldest first. */
  recent(n: number): RequestEvent[] {
    return this.requests.slice(-n);
  }

  reset(): void {
    this.requests = [];
    this.actions = [];
    this.races = [];
    this.sessionReads = [];
    this.lessonEvents = [];
    this.since = Date.now();
  }
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
