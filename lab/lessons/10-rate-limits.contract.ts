// The rate-limit lesson's events (lesson 10, "Rate limits: per replica vs shared"): what its view
// on the page draws and its checks read. Types and constants only: the page imports it.

/** The slug the lesson's events and endpoints carry. */
export const LIMITS_LESSON = 'rate-limits';

export type LimitStore = 'memory' | 'redis';
export type LimitVia = 'least_conn' | 'ip_hash';

/** The four ways one client can meet the lesson's limit, in the order the page lists them. */
export const LIMIT_VARIANTS: readonly { store: LimitStore; via: LimitVia }[] = [
  { store: 'memory', via: 'least_conn' },
  { store: 'redis', via: 'least_conn' },
  { store: 'memory', via: 'ip_hash' },
  { store: 'redis', via: 'ip_hash' },
];

/** The path a probe sends: through least_conn (`/api/…`) or through ip_hash (`/sticky/api/…`). */
export function limitPath(store: LimitStore, via: LimitVia): string {
  return `${via === 'ip_hash' ? '/sticky' : ''}/api/v1/limits/${store}`;
}

/** POST /lab/api/lessons/rate-limits/probe */
export interface LimitProbeRequest {
  store: LimitStore;
  via: LimitVia;
  /** Requests to send, one after another. 1..60. */
  count: number;
}

/** What one replica did with a probe's requests. */
export interface ReplicaTally {
  /** 200: the limiter let it through. */
  allowed: number;
  /** 429 RATE_LIMITED. */
  refused: number;
}

/** kind 'probe': one client sent `sent` requests to one limit and got this back. */
export interface LimitProbe {
  id: string;
  at: number;
  store: LimitStore;
  via: LimitVia;
  path: string;
  /** The fresh client the probe used (its address is a /24 nobody else uses: an empty window). */
  client: string;
  address: string;
  sent: number;
  allowed: number;
  refused: number;
  /** Neither 200 nor 429 (a 503, no answer): a probe with any is not a fair measurement. */
  other: number;
  /** The limit the answers state (a 200's `limit`, a 429's `error.details.limit`); null if none said. */
  limit: number | null;
  windowSeconds: number | null;
  /** allowed ÷ limit: 1 when the limit holds, about the number of replicas when each counts alone. */
  drift: number | null;
  /** Allowed answers that said `degraded: true`: the Redis store could not count and let them pass. */
  degraded: number;
  /** By the X-Instance-Id of the replica that answered. */
  byReplica: Record<string, ReplicaTally>;
  /** Every answer in order (the page draws one square each); `retried`: nginx tried a second replica. */
  answers: { status: number; replica: string | null; retried: boolean; errorCode: string | null }[];
  /** RateLimit-Policy of the first answer, RateLimit of the last allowed one, and the first refusal's. */
  headers: { policy: string | null; lastAllowed: string | null; firstRefused: string | null; retryAfter: string | null };
}

/** The lesson's view after a reset or for a page that connects late: the latest probes, oldest first. */
export interface LimitsSnapshot {
  probes: LimitProbe[];
}
