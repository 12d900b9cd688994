import { createHash, randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { AppDeps } from '../../app-deps';
import { AppError } from '../../errors/app-error';
import { routeTemplate } from '../../http/request-context';
import { guardRedis } from '../../infra/dependency-guard';
import { redisIdempotencyStore, type StoredResponse } from './idempotency-store';

/**
 * Idempotency-Key for POST routes that change state, after the IETF draft
 * (https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/) and the payment
 * APIs that follow it (Stripe, Adyen):
 *   first request    claims the key in Redis (SET NX, lease IDEMPOTENCY_LEASE_MS), runs, and
 *                    stores status + headers + body for IDEMPOTENCY_TTL_SECONDS *before* the
 *                    client sees a byte — an acknowledged request can always be replayed;
 *   same key again   the stored response, with `Idempotent-Replayed: true`;
 *   still running    409 IDEMPOTENCY_KEY_IN_USE (Retry-After: 1);
 *   other request    422 IDEMPOTENCY_KEY_MISMATCH (another route or body under the same key);
 *   5xx outcome      the key is released, so a retry runs the request again.
 * No header: the request runs as before. Redis down: the usual fast 503 REDIS_UNAVAILABLE.
 *
 * Whose key it is: the record lives under the caller's identity (KeyScope) — its session, or,
 * for a caller without one, its address. An outcome is kept for replay only when the caller has
 * a session and the answer hands out no new one: a stored Set-Cookie would be a credential that
 * anyone presenting the same key could collect (issue 19 measured exactly that). So a new
 * session is never replayed: its key only guards against the same request running twice at
 * once (409), and a retry creates a fresh session. Set-Cookie is never stored at all.
 *
 * Why not a library: express-idempotency stores nothing but Content-Type (a session cookie would
 * be lost on replay), answers a mismatch with 417 instead of 422 and has no ioredis adapter;
 * @node-idempotency needs node-redis. The whole mechanism is the three Redis scripts in
 * idempotency-store.ts and this file.
 *
 * Teaching note: replaying a response is not enough on its own. If the replica dies after the
 * effect (HINCRBY, INSERT) but before the outcome is stored, the claim expires after the lease
 * and a retry runs the request again. So each effect also records the key it ran under, in the
 * same atomic step (redis-backend.ts, stateful.service.ts): the re-run finds it and does not
 * apply the effect twice.
 */

/**
 * A UUID (any version, 8-4-4-4-12 hex digits) as the draft writes it (an sf-string: "…") or bare,
 * as most clients send it. One fixed format: a key a person typed ("my-key-000000001") is the
 * kind another person types too.
 */
const UUID = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';
const KEY_FORMAT = new RegExp(`^(?:"(${UUID})"|(${UUID}))$`);

/** Deeper than any body a keyed route accepts; deeper ones are refused before they are hashed. */
const MAX_BODY_DEPTH = 32;

/**
 * Which caller a key belongs to: the Redis record is `idem:<scope>:<key>`, so one client's key
 * never meets another's (the draft's "composite key" advice). `session` names the caller's
 * session when it has one: only then may an outcome be replayed.
 */
export type KeyScope = (req: Request) => { scope: string; session?: string };

export type Keyed = (scope: KeyScope) => RequestHandler;

/** The key the current request runs under, for effects that record it (see the teaching note). */
export function idempotencyKeyOf(res: Response): string | undefined {
  return res.locals.idempotencyKey as string | undefined;
}

/**
 * Object keys sorted at every depth: {"a":1,"b":2} and {"b":2,"a":1} are one request. A body
 * nested deeper than MAX_BODY_DEPTH is a 400: this recursion would otherwise overflow the stack
 * on one 16 kB body of brackets and make a cheap 500.
 */
function canonical(value: unknown, depth = 0): string {
  if (depth > MAX_BODY_DEPTH) throw new AppError('VALIDATION_FAILED', undefined, [{ path: '', message: `nested deeper than ${MAX_BODY_DEPTH} levels` }]);
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, depth + 1)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The request's identity under its key: method, route template and body. */
function fingerprintOf(req: Request, res: Response): string {
  const route = routeTemplate(req, res) ?? req.path;
  return createHash('sha256').update(`${req.method} ${route}\n${canonical(req.body)}`).digest('base64url');
}

/** Response headers a replay repeats. Never Set-Cookie: a cookie is a credential (see above). */
const REPLAYED_HEADERS = ['content-type', 'location'];

function storedHeaders(res: Response): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = typeof value === 'number' ? String(value) : value;
  }
  return headers;
}

function replay(res: Response, stored: StoredResponse): void {
  res.status(stored.status);
  for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
  res.setHeader('Idempotent-Replayed', 'true');
  res.end(stored.body);
}

/** The middleware factory; mount `keyed(scope)` on each route that honours the header. */
export function idempotency({ config, redis, logger, metrics }: Pick<AppDeps, 'config' | 'redis' | 'logger' | 'metrics'>): Keyed {
  const store = redisIdempotencyStore(redis);
  const timeout = config.dependencyTimeoutMs;

  /**
   * Holds the response back until its outcome is stored. res.end is where every response passes
   * (res.json and the error handler both end there); writeHead is called first so that every
   * header is final (express-session adds its own there) and the stored ones are those sent. Node
   * writes nothing to the socket before end, so the client sees nothing until the record is in
   * Redis.
   */
  function recordOutcome(req: Request, res: Response, recordKey: string, fingerprint: string, owner: string, session: string | undefined): void {
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((...args: unknown[]) => {
      if (!res.headersSent) res.writeHead(res.statusCode);
      const chunk = typeof args[0] === 'function' ? undefined : args[0];
      const body = chunk === undefined || chunk === null ? '' : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
      // Kept only for a caller with a session that still has that session: an answer that hands
      // out a new session (or answers a caller without one) is released like a 5xx instead.
      const replayable = session !== undefined && req.sessionID === session;
      const write =
        res.statusCode >= 500 || !replayable
          ? store.release(recordKey, owner)
          : store.complete(recordKey, fingerprint, owner, { status: res.statusCode, headers: storedHeaders(res), body }, config.idempotencyTtlSeconds);
      guardRedis(() => write, timeout)
        .catch((err: unknown) => {
          // The effect happened and the client gets its answer; only a replay is lost: after the
          // lease a retry runs the request again, and the effect's own key record dedupes it.
          logger.warn({ err, requestId: res.req.id }, 'idempotency outcome not stored');
        })
        .finally(() => end(...args));
      return res;
    }) as Response['end'];
  }

  return (scope) => async (req, res, next) => {
    const header = req.headers['idempotency-key'];
    if (header === undefined) {
      next();
      return;
    }
    // Node joins repeated headers with ", ", which the format refuses: one key per request.
    const match = typeof header === 'string' ? KEY_FORMAT.exec(header) : null;
    const key = (match?.[1] ?? match?.[2])?.toLowerCase();
    if (!key) throw new AppError('IDEMPOTENCY_KEY_INVALID');
    const caller = scope(req);
    const recordKey = `${config.redisKeyPrefix}idem:${caller.scope}:${key}`;
    const fingerprint = fingerprintOf(req, res);
    const owner = randomUUID();
    const held = await guardRedis(() => store.claim(recordKey, fingerprint, owner, config.idempotencyLeaseMs), timeout);

    if (held === undefined) {
      metrics.idempotentRequests.inc({ outcome: 'first' });
      res.locals.idempotencyKey = key;
      recordOutcome(req, res, recordKey, fingerprint, owner, caller.session);
      next();
      return;
    }
    if (held.fingerprint !== fingerprint) {
      metrics.idempotentRequests.inc({ outcome: 'mismatch' });
      throw new AppError('IDEMPOTENCY_KEY_MISMATCH');
    }
    if (held.state === 'running') {
      metrics.idempotentRequests.inc({ outcome: 'in_progress' });
      res.setHeader('Retry-After', '1');
      throw new AppError('IDEMPOTENCY_KEY_IN_USE');
    }
    metrics.idempotentRequests.inc({ outcome: 'replayed' });
    replay(res, held.response);
  };
}

/** For routers whose state does not live in Redis (the /local routes): the header is ignored. */
export const ignoreKeys: Keyed = () => (_req, _res, next) => next();
