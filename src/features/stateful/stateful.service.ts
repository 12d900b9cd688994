import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
import type { Logger } from 'pino';
import { v4 as uuidv4 } from 'uuid';
import { AppError } from '../../errors/app-error';
import type { Database } from '../../infra/database';
import { guardDatabase } from '../../infra/dependency-guard';
import type { SessionBackend } from './session-backend';

export type LiveSession = Session & Partial<SessionData>;

export interface MessageView {
  id: string;
  text: string;
  servedBy: string;
  at: string;
}

/** Runs one of express-session's callback APIs and maps a store failure through the backend. */
export function sessionCall(
  backend: SessionBackend,
  call: (done: (err?: unknown) => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    call((err) => (err ? reject(backend.storeError(err)) : resolve()));
  });
}

/** The caller's session, or 401 NO_SESSION when the request carries none. */
export function requireSession(req: Request): LiveSession & SessionData {
  const current = req.session as LiveSession | undefined;
  if (!current?.createdAt) throw new AppError('NO_SESSION');
  return current as LiveSession & SessionData;
}

/** Only the caller's own session may be read or deleted by id; others look like they don't exist. */
export function requireOwnSession(req: Request, id: string): LiveSession & SessionData {
  const current = requireSession(req);
  if (current.id !== id) throw new AppError('SESSION_NOT_FOUND');
  return current;
}

export function sessionView(current: LiveSession & SessionData, instance: string) {
  return {
    sessionId: current.id,
    createdBy: current.createdBy,
    instance,
    createdAt: current.createdAt,
    lastSeenAt: current.lastSeenAt,
    messageCount: current.messageCount,
  };
}

export interface SessionServiceDeps {
  prisma: Database;
  logger: Logger;
  instance: string;
  timeoutMs: number;
}

/** PostgreSQL side of the stateful features: persisted messages and the audit log. */
export function sessionService({ prisma, logger, instance, timeoutMs }: SessionServiceDeps) {
  return {
    /**
     * The audit log is written after the session change succeeded and is not awaited by the
     * request: a PostgreSQL outage must not stop sessions from working. A row lost that way is
     * logged at warn level.
     */
    audit(action: 'SESSION_CREATED' | 'SESSION_DESTROYED', sessionId: string, store: string): void {
      guardDatabase(() => prisma.auditLog.create({ data: { action, sessionId, instance, store } }), timeoutMs).catch(
        (err: unknown) => logger.warn({ err, action }, 'audit log row not written'),
      );
    },

    async persistMessage(sessionId: string, createdBy: string, text: string): Promise<MessageView> {
      const row = await guardDatabase(
        () => prisma.message.create({ data: { id: uuidv4(), sessionId, text, servedBy: instance, createdBy } }),
        timeoutMs,
      );
      return { id: row.id, text: row.text, servedBy: row.servedBy, at: row.createdAt.toISOString() };
    },

    async history(sessionId: string, limit = 100): Promise<MessageView[]> {
      const rows = await guardDatabase(
        () => prisma.message.findMany({ where: { sessionId }, orderBy: { createdAt: 'asc' }, take: limit }),
        timeoutMs,
      );
      return rows.map((row) => ({ id: row.id, text: row.text, servedBy: row.servedBy, at: row.createdAt.toISOString() }));
    },
  };
}
