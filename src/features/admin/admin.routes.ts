import { Router, type Request, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppDeps } from '../../app-deps';
import { AppError } from '../../errors/app-error';
import type { ApiKeyScope } from '../../generated/prisma/client';
import { noStore } from '../../http/cache-control';
import { kind } from '../../http/request-context';
import { guardDatabase } from '../../infra/dependency-guard';
import type { AuditLog } from '../audit/audit-log';
import type { LoginSessions } from '../auth/login-sessions';
import { limiterLogger, rateLimitedHandler } from '../limits/rate-limit-responses';
import { redisRateLimitStore } from '../limits/redis-rate-limit-store';
import { auditQuery, sessionParams, sessionsQuery } from './admin.schemas';
import { checkApiKey } from './api-keys';

/** A `write` key may also read; a `read` key may only read. */
const GRANTS: Record<ApiKeyScope, ApiKeyScope[]> = { read: ['read'], write: ['read', 'write'] };

/**
 * /api/v1/admin: the instructor's view of logins, behind API keys (X-API-Key). Every call —
 * allowed, refused for a bad key (401) or for a missing scope (403) — leaves an audit row.
 */
export function adminRouter({ config, prisma, redis, logger }: AppDeps, sessions: LoginSessions, audit: AuditLog): Router {
  const router = Router();
  const timeout = config.dependencyTimeoutMs;
  router.use(kind('admin'), noStore);

  // Guessing keys is throttled per client address: only failed attempts count (a 401/403
  // response), in Redis so all replicas count together. Teaching note: this limit fails CLOSED —
  // it guards against guessing, so without Redis the admin API answers 503 rather than let an
  // unlimited guesser through. Refused attempts past the limit are not audited one by one, so a
  // flood cannot flood the audit log either.
  router.use(
    rateLimit({
      windowMs: 60_000,
      limit: config.adminAuthFailuresMax,
      skipSuccessfulRequests: true,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      store: redisRateLimitStore(redis, `${config.redisKeyPrefix}rl:admin-auth:`, timeout),
      passOnStoreError: false,
      logger: limiterLogger(logger),
      handler: rateLimitedHandler('redis'),
    }),
  );

  const requireScope = (scope: ApiKeyScope): RequestHandler => async (req, res, next) => {
    const check = await guardDatabase(() => checkApiKey(prisma, req.get('x-api-key')), timeout);
    const where = { method: req.method, path: req.originalUrl.split('?')[0] };
    if (!check.ok) {
      await audit.write({ action: 'ADMIN_AUTH_FAILED', actor: `ip:${req.ip}`, target: check.id, details: { ...where, reason: check.reason } });
      throw new AppError('API_KEY_INVALID');
    }
    res.locals.actor = `key:${check.id}`;
    if (!GRANTS[check.scope].includes(scope)) {
      await audit.write({ action: 'ADMIN_SCOPE_DENIED', actor: `key:${check.id}`, details: { ...where, needed: scope, has: check.scope } });
      throw new AppError('API_KEY_SCOPE', undefined, { needed: scope, has: check.scope });
    }
    next();
  };
  const actor = (req: Request) => String(req.res?.locals.actor);

  router.get('/sessions', requireScope('read'), async (req, res) => {
    const { cursor, count } = sessionsQuery.parse(req.query);
    const page = await sessions.page(cursor, count);
    await audit.write({ action: 'ADMIN_SESSIONS_LISTED', actor: actor(req), details: { cursor, returned: page.items.length } });
    res.json({ ...page, instance: config.instanceId });
  });

  router.get('/sessions/:handle', requireScope('read'), async (req, res) => {
    const { handle } = sessionParams.parse(req.params);
    const session = await sessions.byHandle(handle);
    await audit.write({ action: 'ADMIN_SESSION_READ', actor: actor(req), target: handle, details: { found: session !== null } });
    if (!session) throw new AppError('SESSION_NOT_FOUND');
    res.json({ session, instance: config.instanceId });
  });

  // The instructor ends a student's login: the Redis key goes, so the student's next request is
  // 401 on every replica at once.
  // Teaching note: the audit row is written first, and awaited. Written after the removal, a
  // PostgreSQL outage would leave a revocation that happened with no row saying who did it; this
  // way a revoke that cannot be recorded does not happen (503), and one that is recorded then
  // fails on Redis leaves a row for an attempt — which the row's `existed` and the 503 tell.
  router.delete('/sessions/:handle', requireScope('write'), async (req, res) => {
    const { handle } = sessionParams.parse(req.params);
    const existed = (await sessions.byHandle(handle)) !== null;
    await audit.write({ action: 'ADMIN_SESSION_REVOKED', actor: actor(req), target: handle, details: { existed } });
    if (!existed || !(await sessions.remove(handle))) throw new AppError('SESSION_NOT_FOUND');
    res.status(204).end();
  });

  router.get('/audit', requireScope('read'), async (req, res) => {
    const { before, limit } = auditQuery.parse(req.query);
    const rows = await guardDatabase(
      () =>
        prisma.auditLog.findMany({
          where: before === undefined ? undefined : { id: { lt: BigInt(before) } },
          orderBy: { id: 'desc' },
          take: limit + 1,
        }),
      timeout,
    );
    await audit.write({ action: 'ADMIN_AUDIT_READ', actor: actor(req), details: { before: before ?? null, limit } });
    const page = rows.slice(0, limit);
    res.json({
      items: page.map((row) => ({ ...row, id: row.id.toString(), at: row.at.toISOString() })),
      nextCursor: rows.length > limit ? page[page.length - 1]!.id.toString() : null,
      instance: config.instanceId,
    });
  });

  return router;
}
