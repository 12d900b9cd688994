// What a lesson is to the lab controller: a worksheet (data the page and `npm run lab` show), the
// checks its steps name, and — for lessons whose view needs the controller to do something (log
// clients in, run a benchmark, take a backup) — a runtime started once with the lab's context.
// Every lesson lives in one file of this folder; lessons/index.ts lists them in order.
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { ClusterControl, ComponentState } from '../../cluster/control';
import type { Exchange, SimulatedClient } from '../../cluster/simulated-client';
import type { ClusterState } from '../../cluster/state';
import type { LabHistory } from '../lab-history';
import type { ActionEvent, ActionRequest, CheckPart, LessonEvent, RequestEvent, RouteFamily, Worksheet } from '../lab-types';

/** What a check may look at: the history since the last reset and the cluster right now. Nothing else. */
export interface CheckInput {
  history: LabHistory;
  components: ComponentState[];
  /** REDIS_MODE of the running cluster (lesson 14 reads it); standalone when unknown. */
  redisMode?: 'standalone' | 'sentinel';
}

/** A step's check: read-only and idempotent, it only reads `input`. */
export type Check = (input: CheckInput) => CheckPart[];

/** What the lab gives a lesson's runtime. */
export interface LessonContext {
  /** The lesson's slug: its events and routes are named after it. */
  slug: string;
  /** The virtual students (client-N binds 127.0.N.1). */
  clients: readonly SimulatedClient[];
  /** One of them by id; an unknown id is a 400 VALIDATION_FAILED. */
  client(id: string): SimulatedClient;
  /**
   * A client from an address no virtual student, test or bench uses (127.1.N.1), new on every
   * call: for a lesson that needs a client with no history, e.g. an empty rate-limit window.
   */
  freshClient(): SimulatedClient;
  /** Records one exchange of the lesson as a request event: streamed to the pages, kept for the checks. */
  record(exchange: Exchange, family: RouteFamily, runId?: string | null): RequestEvent;
  /**
   * Publishes one of the lesson's own events to every page and keeps it for the checks. `keep:
   * false` only streams it: for ticks (a benchmark's progress, every second) that no check reads
   * and that would push other lessons' events out of the bounded history.
   */
  publish<T>(kind: string, data: T, options?: { keep?: boolean }): LessonEvent<T>;
  history: LabHistory;
  /** The cluster's components as last seen. */
  components(): ComponentState[];
  /** A chaos action through the lab's own path (locked, recorded, streamed), as the Cluster panel's buttons. */
  act(request: ActionRequest): Promise<ActionEvent>;
  control: ClusterControl;
  cluster: ClusterState;
  clusterDir: string;
  nginxUrl: string;
  prometheusUrl: string;
  logger: Logger;
  /** Stops every traffic run of the Request stream (a benchmark wants the machine to itself). */
  stopTraffic(): number;
  /**
   * Stops every traffic run and refuses new ones (409 TRAFFIC_PAUSED) until the returned function
   * is called: a benchmark's numbers must not include the lab's own traffic.
   */
  pauseTraffic(): () => void;
}

/** The controller side of a lesson, started once when the lab starts. */
export interface LessonRuntime {
  /** Endpoints of the lesson's view, mounted at /lab/api/lessons/<slug>/ (every POST needs the lab token). */
  router?: Router;
  /** What a page that connects late needs to draw the lesson's view (sent in the `hello` state). */
  snapshot?(): unknown;
  /** POST /lab/api/reset: forget what the lesson holds. */
  reset?(): void;
  /** The lab is stopping. */
  stop?(): void;
}

export interface Lesson {
  worksheet: Worksheet;
  /** The checks its steps name, by name. */
  checks: Record<string, Check>;
  start?(ctx: LessonContext): LessonRuntime;
}
