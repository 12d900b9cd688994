import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppDeps } from '../../app-deps';
import { AppError } from '../../errors/app-error';
import { noStore } from '../../http/cache-control';
import { kind } from '../../http/request-context';
import { guardDatabase } from '../../infra/dependency-guard';
import { limiterLogger, rateLimitedHandler } from '../limits/rate-limit-responses';
import { redisRateLimitStore } from '../limits/redis-rate-limit-store';
import type { AuditLog } from '../audit/audit-log';
import { loginBody, meQuery } from './auth.schemas';
import { LOGIN_COOKIE, cookieValue, type LoginSessions } from './login-sessions';
import { verifyPassword } from './password';
import { issueToken, signingKeys, verifyToken } from './tokens';

export type Principal =
  | { via: 'session'; user: { id: number; email: string; name: string }; handle: string }
  | { via: 'token'; user: { id: number; email: string; name: string }; jti: string; exp: number };

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/**
 * /api/v1/auth: one login, two kinds of proof. `mode: "session"` stores the login in Redis and
 * hands out a cookie naming it; `mode: "token"` hands out a signed JWT and stores nothing.
 */
export function authRouter({ config, prisma, redis, logger }: AppDeps, sessions: LoginSessions, audit: AuditLog): Router {
  const router = Router();
  router.use(kind('auth'), noStore);
  const instance = config.instanceId;
  const keys = signingKeys(config);
  const timeout = config.dependencyTimeoutMs;

  /** Who is calling: a Bearer token wins over the cookie; 401 when neither proves anything. */
  async function authenticate(req: Request, checkDenylist: boolean): Promise<Principal> {
    const token = bearer(req);
    if (token !== undefined) {
      const claims = await verifyToken(keys, token);
      // Teaching note: this one Redis read is what makes revocation work — and what makes the
      // "stateless" token stateful again: every request now depends on shared state.
      if (checkDenylist && (await sessions.isDenied(claims.jti))) throw new AppError('TOKEN_REVOKED');
      return { via: 'token', user: { id: Number(claims.sub), email: claims.email, name: claims.name }, jti: claims.jti, exp: claims.exp };
    }
    const credential = cookieValue(req.headers.cookie, LOGIN_COOKIE);
    const session = credential === undefined ? null : await sessions.authenticate(credential);
    if (!session) throw new AppError('NOT_AUTHENTICATED');
    return { via: 'session', user: { id: session.userId, email: session.email, name: session.name }, handle: session.handle };
  }

  function setLoginCookie(req: Request, res: Response, value: string): void {
    res.cookie(LOGIN_COOKIE, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/',
      maxAge: config.sessionTtlSeconds * 1000,
    });
  }

  // Password guessing is throttled per client address: only failed logins count, in Redis so all
  // replicas count together. Like the admin key limit it fails closed (503 without Redis).
  const loginFailures = rateLimit({
    windowMs: 60_000,
    limit: config.loginFailuresMax,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: redisRateLimitStore(redis, `${config.redisKeyPrefix}rl:login:`, timeout),
    passOnStoreError: false,
    logger: limiterLogger(logger),
    handler: rateLimitedHandler('redis'),
  });

  router.post('/login', loginFailures, async (req, res) => {
    const { email, password, mode } = loginBody.parse(req.body);
    const user = await guardDatabase(() => prisma.user.findUnique({ where: { email: email.toLowerCase() } }), timeout);
    if (!(await verifyPassword(password, user?.passwordHash ?? null)) || !user) {
      audit.record({ action: 'LOGIN_FAILED', actor: `ip:${req.ip}`, details: { email, mode } });
      throw new AppError('INVALID_CREDENTIALS');
    }
    const who = { id: user.id, email: user.email, name: user.name };
    if (mode === 'session') {
      const { session, credential } = await sessions.create(who, instance);
      setLoginCookie(req, res, credential);
      audit.record({ action: 'LOGIN', actor: `user:${user.email}`, target: session.handle, details: { mode } });
      res.status(201).json({ mode, user: who, sessionHandle: session.handle, instance });
      return;
    }
    const issued = await issueToken(keys, config.jwtTtlSeconds, who);
    audit.record({ action: 'LOGIN', actor: `user:${user.email}`, target: issued.jti, details: { mode } });
    res.status(201).json({ mode, user: who, token: issued.token, tokenId: issued.jti, expiresAt: issued.expiresAt, instance });
  });

  router.get('/me', async (req, res) => {
    const { denylist } = meQuery.parse(req.query);
    // The switch can always turn the check on; turning it off is a lab's choice, never a client's.
    if (denylist === 'off' && !config.labSwitches) throw new AppError('LAB_SWITCH_DISABLED');
    const checkDenylist = denylist === undefined ? config.jwtDenylist : denylist === 'on';
    const principal = await authenticate(req, checkDenylist);
    res.json({
      user: principal.user,
      via: principal.via,
      ...(principal.via === 'token'
        ? { tokenId: principal.jti, expiresAt: new Date(principal.exp * 1000).toISOString(), denylistChecked: checkDenylist }
        : { sessionHandle: principal.handle }),
      instance,
    });
  });

  /**
   * Logging out: a session is deleted (gone for every replica at once); a token's id is put on
   * the denylist, which only replicas that check it will see.
   */
  router.post('/logout', async (req, res) => {
    const principal = await authenticate(req, true);
    if (principal.via === 'session') {
      await sessions.remove(principal.handle);
      res.clearCookie(LOGIN_COOKIE, { path: '/' });
    } else {
      await sessions.deny(principal.jti, principal.exp);
    }
    audit.record({
      action: 'LOGOUT',
      actor: `user:${principal.user.email}`,
      target: principal.via === 'session' ? principal.handle : principal.jti,
      details: { via: principal.via },
    });
    res.status(204).end();
  });

  return router;
}
