// The request glue around express-session shared by the Redis and the memory routes: whether a
// request carries a session, whose it is, and how it is shown. Message persistence is
// stateful.service.ts.
import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
import { AppError } from '../../errors/app-error';
import type { SessionBackend } from './session-backend';

export type LiveSession = Session & Partial<SessionData>;


/** Runs one of express-session's callback APIs and maps a store failure through the backend. */
export function sessionCall(
  backend: SessionBackend,
  call: (done: (err?: unknown) => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    call((err) => (err ? reject(backend.storeError(err)) : resolve()));
  });
}

/** True when the request carries a session created by POST …/sessions (not one just minted). */
export function requestHasSession(req: Request): boolean {
  return Boolean((req.session as LiveSession | undefined)?.createdAt);
}

/** The caller's session, or 401 NO_SESSION when the request carries none. */
export function requireSession(req: Request): LiveSession & SessionData {
  if (!requestHasSession(req)) throw new AppError('NO_SESSION');
  return req.session as LiveSession & SessionData;
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
