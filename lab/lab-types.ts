// The contract between the lab controller (lab/) and the lab page (public/src/): every shape
// that crosses /lab/api/. Types and a few constants, no server code, so the page can import it
// without pulling anything of the server into the browser bundle (the type-only imports below
// are erased by the bundler).
import type { CounterCheck } from '../cluster/counter-check';
import type { ExchangeSummary } from '../cluster/exchange';
import type { ComponentState, ControlAction } from '../scripts/lib/cluster-control.mjs';

export type { ComponentKind, ComponentState } from '../scripts/lib/cluster-control.mjs';

/** Which upstream a request goes through, as the page names it: the one list of families. */
export const ROUTE_FAMILIES = ['stateless', 'stateful', 'local', 'rr-stateless', 'rr-stateful', 'rr-local', 'products', 'products-nocache'] as const;
export type RouteFamily = (typeof ROUTE_FAMILIES)[number];

/** The balancing policy nginx applies to a family (also sent by nginx as X-LB-Policy). */
export type LbPolicy = 'least_conn' | 'ip_hash' | 'round_robin';

export const FAMILY_POLICY: Record<RouteFamily, LbPolicy> = {
  stateless: 'least_conn',
  products: 'least_conn',
  'products-nocache': 'least_conn',
  stateful: 'ip_hash',
  local: 'ip_hash',
  'rr-stateless': 'round_robin',
  'rr-stateful': 'round_robin',
  'rr-local': 'round_robin',
};

/** A simulated student. Natively each binds its own 127.0.N.1, so ip_hash sees distinct clients. */
export interface VirtualClientInfo {
  id: string;
  name: string;
  /** The source address nginx sees. */
  address: string;
}

/** Why a request was made; the page filters and labels by it. `lesson`: a lesson view's own (see `lesson`). */
export type RequestPurpose = 'traffic' | 'session' | 'race' | 'check' | 'lesson';

/** One request a virtual client made through nginx, as it happened (the client's view: cluster/exchange.ts). */
export interface RequestEvent extends ExchangeSummary {
  type: 'request';
  seq: number;
  family: RouteFamily;
  policy: LbPolicy;
  purpose: RequestPurpose;
  runId: string | null;
  /** The slug of the lesson whose view made the request (purpose `lesson`), else null. */
  lesson: string | null;
  /** nginx's X-Cache-Status (HIT, MISS, BYPASS, …) on the cached catalogue route, else null. */
  cacheStatus: string | null;
}

/** What the lab can do to a component: the launcher's own actions (scripts/lib/cluster-control.mjs). */
export type LabAction = ControlAction;

export interface ClusterEvent {
  type: 'cluster';
  at: number;
  components: ComponentState[];
}

export interface ActionEvent {
  type: 'action';
  at: number;
  action: LabAction | 'rolling-restart';
  target: string;
  ok: boolean;
  message: string;
  durationMs: number;
}

/** One store's side of a client's sessions, as last observed through nginx. */
export interface SessionObservation {
  store: 'redis' | 'memory';
  sessionId: string | null;
  createdBy: string | null;
  /** The replica that answered the last read. */
  servedBy: string | null;
  messageCount: number | null;
  /** 200 found, 401 NO_SESSION (lost), 0 no answer, etc. */
  status: number;
  errorCode: string | null;
  at: number;
}

export interface SessionPair {
  client: string;
  redis: SessionObservation | null;
  memory: SessionObservation | null;
}

export interface SessionsEvent {
  type: 'sessions';
  at: number;
  sessions: SessionPair[];
}

/** One counter of a race, judged by the one lost-update check (cluster/counter-check.ts). */
export type RaceSide = CounterCheck;

export interface RaceResult {
  type: 'race';
  id: string;
  at: number;
  k: number;
  client: string;
  naive: RaceSide;
  atomic: RaceSide;
  /** Which replicas answered the increments (ip_hash: one; /rr/: several). */
  replicas: Record<string, number>;
}

/** First event of every SSE connection: enough to draw the page without another request. */
export interface HelloEvent {
  type: 'hello';
  at: number;
  state: LabState;
}

/**
 * An event of one lesson's own view (lab/lessons/): `kind` says what happened, `data` is the
 * lesson's own shape (declared beside the lesson, in lab/lessons/<n>-<slug>.contract.ts).
 */
export interface LessonEvent<T = unknown> {
  type: 'lesson';
  lesson: string;
  kind: string;
  at: number;
  data: T;
}

export type LabEvent = HelloEvent | RequestEvent | ClusterEvent | ActionEvent | SessionsEvent | RaceResult | LessonEvent;

export interface LabState {
  /** native: the launcher's processes; compose: containers. */
  mode: 'native' | 'compose';
  /** True when chaos actions are carried out; false when the page should show `commands` instead. */
  canAct: boolean;
  replicas: { id: string; address: string }[];
  clients: VirtualClientInfo[];
  components: ComponentState[];
  sessions: SessionPair[];
  races: RaceResult[];
  /** The most recent request events (newest last), for a page that connects late. */
  recent: RequestEvent[];
  /** Shell commands that do what the chaos buttons do, for a student at a terminal. */
  commands: Record<LabAction | 'rolling-restart', string>;
  /** REDIS_MODE of the cluster: sentinel adds a Redis replica and three Sentinels. */
  redisMode: 'standalone' | 'sentinel';
  /** Each lesson view's own state, by lesson slug, for a page that connects late. */
  lessons: Record<string, unknown>;
}

// ---- requests the page sends (all POSTs need the X-Lab-Token header and a same-origin request) ----

export interface TrafficRequest {
  family: RouteFamily;
  /** Requests in total, spread round-robin over the chosen clients. 1..2000. */
  count: number;
  /** Requests per second, all clients together. 1..200. */
  rate: number;
  /** Client ids; default: all virtual clients for ip_hash families, the first one otherwise. */
  clients?: string[];
}

export interface TrafficRun {
  runId: string;
  family: RouteFamily;
  count: number;
  rate: number;
  clients: string[];
}

export interface ActionRequest {
  action: LabAction | 'rolling-restart';
  /** A component name from the topology (app-2, redis); omitted for rolling-restart. */
  target?: string;
}

export interface RaceRequest {
  /** Concurrent increments per counter. 2..500. */
  k: number;
  /** round_robin spreads the increments over replicas; default ip_hash (one replica). */
  via?: 'ip_hash' | 'round_robin';
}

export interface SessionsRequest {
  /** Client ids; default all. */
  clients?: string[];
}

// ---- guided labs ----

export type CheckStatus = 'pass' | 'fail';

export interface CheckPart {
  name: string;
  passed: boolean;
  /** What was seen; on failure, what is missing and why. */
  detail: string;
}

export interface StepCheckResult {
  step: string;
  title: string;
  passed: boolean;
  parts: CheckPart[];
}

export interface LabCheckReport {
  lab: number;
  title: string;
  passed: boolean;
  steps: StepCheckResult[];
  checkedAt: number;
  durationMs: number;
}

/** A worksheet step, shaped like self-checking lab platforms: text, a check, hints, a solution. */
export interface WorksheetStep {
  id: string;
  title: string;
  /** Markdown-ish text: what to do, and a "predict, then watch for" prompt. */
  text: string;
  /** Name of the check that verifies the step (run by the controller, also from `npm run lab`). */
  check: string;
  /** Revealed one at a time. */
  hints: string[];
  /** Shown only after the student confirms. */
  solution: string;
}

/**
 * The panels of the lab page (each is a section `#panel-<id>`): the six shared views, then one per
 * lesson that needs a view of its own (public/src/lessons/).
 */
export type PanelId =
  | 'stream'
  | 'clients'
  | 'sessions'
  | 'race'
  | 'cluster'
  | 'metrics'
  | 'dependencies'
  | 'bench'
  | 'logout'
  | 'limits'
  | 'cache'
  | 'admin'
  | 'idempotency'
  | 'durability'
  | 'backup';

export interface Worksheet {
  id: number;
  slug: string;
  title: string;
  /** The panel of the page the worksheet works with (the page shows it first). */
  panel: PanelId;
  /** Every panel the worksheet uses, `panel` first: choosing the worksheet brings these forward. */
  views: PanelId[];
  /** One-paragraph summary of the lesson. */
  summary: string;
  /** Anchor in docs/labs.md. */
  doc: string;
  steps: WorksheetStep[];
}

// ---- live metrics (read-only, from Prometheus) ----

export interface MetricSeries {
  label: string;
  /** [epoch seconds, value] */
  points: [number, number][];
}

export interface MetricsReply {
  /** False when Prometheus did not answer; `error` says why. */
  available: boolean;
  error: string | null;
  windowSeconds: number;
  stepSeconds: number;
  rpsByReplica: MetricSeries[];
  p95ByKind: MetricSeries[];
  errorRatio: MetricSeries[];
}

/**
 * Endpoints (all JSON; errors in the API's shape {"error":{"code","message","details?"}}):
 *   GET  /lab/api/state                LabState
 *   GET  /lab/api/events               text/event-stream of LabEvent (event name = type)
 *   GET  /lab/api/metrics?window=300   MetricsReply
 *   GET  /lab/api/labs                 { worksheets: Worksheet[] }
 *   GET  /lab/api/labs/:id/check       LabCheckReport (read-only, idempotent, < 60 s)
 *   POST /lab/api/traffic              TrafficRequest → 202 TrafficRun (events follow)
 *   POST /lab/api/traffic/stop         → 200 { stopped: number }
 *   POST /lab/api/sessions             SessionsRequest → 201 { sessions: SessionPair[] } (creates both)
 *   POST /lab/api/sessions/read        SessionsRequest → 200 { sessions: SessionPair[] }
 *   POST /lab/api/race                 RaceRequest → 200 RaceResult
 *   POST /lab/api/actions              ActionRequest → 200 ActionEvent
 *   POST /lab/api/reset                → 200 { cleared: true } (forgets recorded history; checks fail again)
 * POSTs without X-Lab-Token → 401 LAB_TOKEN_REQUIRED; wrong token or cross-origin → 403 LAB_FORBIDDEN;
 * an unknown component → 404 UNKNOWN_COMPONENT; an action the component does not allow → 409 ACTION_NOT_ALLOWED.
 */
export const LAB_API_PREFIX = '/lab/api';

/** The request each family sends: a read that shows who answered and whether a session exists. */
export const FAMILY_PATH: Record<RouteFamily, string> = {
  stateless: '/api/v1/stateless/info',
  stateful: '/api/v1/stateful/sessions/current',
  local: '/api/v1/local/sessions/current',
  'rr-stateless': '/rr/api/v1/stateless/info',
  'rr-stateful': '/rr/api/v1/stateful/sessions/current',
  'rr-local': '/rr/api/v1/local/sessions/current',
  // The catalogue: nginx's one cached route (docs/labs.md, lesson 11) and PostgreSQL's (lesson 7).
  products: '/api/v1/stateless/products?limit=5',
  'products-nocache': '/api/v1/stateless/products?limit=5&nocache=1',
};

/**
 * Which cookie jar of a virtual client a family's request carries: the Redis session, the memory
 * session, or none (stateless requests carry no session).
 */
export const FAMILY_JAR: Record<RouteFamily, 'redis' | 'memory' | null> = {
  stateless: null,
  stateful: 'redis',
  local: 'memory',
  'rr-stateless': null,
  'rr-stateful': 'redis',
  'rr-local': 'memory',
  products: null,
  'products-nocache': null,
};
