import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../app-deps';
import { noStore } from '../../http/cache-control';
import { kind } from '../../http/request-context';
import { idempotencyKeyOf, ignoreKeys, type KeyScope, type Keyed } from '../idempotency/idempotency.middleware';
import type { AuditLog } from '../audit/audit-log';
import type { SessionBackend } from './session-backend';
import { conversationBody, sessionIdParams } from './stateful.schemas';
import { requestHasSession, requireOwnSession, requireSession, sessionCall, sessionView } from './session-access';
import { sessionService } from './stateful.service';

/**
 * A caller's keys are its own: through its session when it has one, else through its address
 * (as nginx reported it). Without a session nothing is replayed, so two callers behind one
 * address can meet nothing of each other's but a 409 while a request runs.
 */
const callerScope: KeyScope = (req) =>
  requestHasSession(req) ? { scope: `session:${req.sessionID}`, session: req.sessionID } : { scope: `anon:${req.ip ?? 'unknown'}` };

/**
 * The session, conversation and counter routes. Mounted twice: at /api/v1/stateful with the
 * Redis backend and at /api/v1/local with the in-memory one. Same code, different store.
 * Every POST honours an Idempotency-Key where `keyed` is given (the Redis mount only: see
 * docs/api.md for why the /local routes cannot).
 */
export function sessionRouter(
  backend: SessionBackend,
  { config, prisma, metrics }: AppDeps,
  audit: AuditLog,
  creationLimit: RequestHandler,
  keyed: Keyed = ignoreKeys,
): Router {
  const router = Router();
  const instance = config.instanceId;
  const service = sessionService({ prisma, instance, timeoutMs: config.dependencyTimeoutMs });
  router.use(kind(backend.kind), noStore, backend.session);

  router.post('/sessions', creationLimit, keyed(callerScope), async (req, res) => {
    // A fresh id on login-like events defeats session fixation.
    await sessionCall(backend, (done) => req.session.regenerate(done));
    const now = new Date().toISOString();
    Object.assign(req.session, { createdBy: instance, createdAt: now, lastSeenAt: now, messageCount: 0, naiveCounter: 0 });
    await sessionCall(backend, (done) => req.session.save(done));
    metrics.sessionsCreated.inc({ store: backend.store });
    // After the session change succeeded, and not awaited (AuditLog.record).
    audit.record({ action: 'SESSION_CREATED', sessionId: req.sessionID, store: backend.store });
    res.status(201).json({ sessionId: req.sessionID, createdBy: instance, instance, createdAt: now });
  });

  router.get('/sessions/current', (req, res) => {
    res.json(sessionView(requireSession(req), instance));
  });

  router.get('/sessions/:id', (req, res) => {
    const { id } = sessionIdParams.parse(req.params);
    res.json(sessionView(requireOwnSession(req, id), instance));
  });

  router.delete('/sessions/:id', async (req, res) => {
    const { id } = sessionIdParams.parse(req.params);
    requireOwnSession(req, id);
    await sessionCall(backend, (done) => req.session.destroy(done));
    await backend.counters.remove(id);
    metrics.sessionsDestroyed.inc({ store: backend.store });
    audit.record({ action: 'SESSION_DESTROYED', sessionId: id, store: backend.store });
    res.clearCookie(backend.cookieName, { path: '/' });
    res.status(204).end();
  });

  router.get('/sessions/:id/history', async (req, res) => {
    const { id } = sessionIdParams.parse(req.params);
    requireOwnSession(req, id);
    res.json({ messages: await service.history(id) });
  });

  router.post('/conversations', keyed(callerScope), async (req, res) => {
    const current = requireSession(req);
    const { text } = conversationBody.parse(req.body);
    // PostgreSQL first: if it is down the request fails whole and the session is left unchanged.
    const message = await service.persistMessage(current.id, current.createdBy, text, idempotencyKeyOf(res));
    current.messageCount += 1;
    current.lastSeenAt = message.at;
    await sessionCall(backend, (done) => current.save(done));
    res.status(201).json({ sessionId: current.id, createdBy: current.createdBy, messageCount: current.messageCount, message });
  });

  // Teaching note: read-modify-write of the whole session object. Two concurrent requests both
  // read n, both write n + 1, and one increment is lost. The session store cannot help: it
  // stores whatever object it is handed last.
  router.post('/counter/naive', keyed(callerScope), async (req, res) => {
    const current = requireSession(req);
    current.naiveCounter += 1;
    current.lastSeenAt = new Date().toISOString();
    await sessionCall(backend, (done) => current.save(done));
    res.json({ value: current.naiveCounter });
  });

  router.post('/counter/atomic', keyed(callerScope), async (req, res) => {
    const current = requireSession(req);
    res.json({ value: await backend.counters.increment(current.id, idempotencyKeyOf(res)) });
  });

  router.get('/counter', async (req, res) => {
    const current = requireSession(req);
    res.json({ naive: current.naiveCounter, atomic: await backend.counters.read(current.id) });
  });

  return router;
}
