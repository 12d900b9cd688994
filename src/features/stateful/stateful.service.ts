// The PostgreSQL side of the stateful features: a session's persisted messages. The request glue
// around express-session (who holds which session) is session-access.ts.
import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import { AppError } from '../../errors/app-error';
import { Prisma } from '../../generated/prisma/client';
import type { Database } from '../../infra/database';
import { guardDatabase } from '../../infra/dependency-guard';

export interface MessageView {
  id: string;
  text: string;
  servedBy: string;
  at: string;
}

/** Namespace of the name-based (v5) message ids derived from session id + Idempotency-Key. */
const MESSAGE_ID_NAMESPACE = '6f1d7c1e-4b1a-4d55-9a36-0f5e2b8c9d41';

function messageView(row: { id: string; text: string; servedBy: string; createdAt: Date }): MessageView {
  return { id: row.id, text: row.text, servedBy: row.servedBy, at: row.createdAt.toISOString() };
}

export interface SessionServiceDeps {
  prisma: Database;
  instance: string;
  timeoutMs: number;
}

/** PostgreSQL side of the stateful features: persisted messages. */
export function sessionService({ prisma, instance, timeoutMs }: SessionServiceDeps) {
  return {
    /**
     * Inserts a message. Under an Idempotency-Key its id is derived from session and key, so a
     * re-run of the same request meets the primary key and returns the row already there
     * instead of a second message. Teaching note: the typical re-run follows a 503 whose INSERT
     * was only slow — PostgreSQL committed it after we had given up waiting. The key reused
     * (after its stored response expired) for another text is refused as a mismatch.
     */
    async persistMessage(sessionId: string, createdBy: string, text: string, idempotencyKey?: string): Promise<MessageView> {
      const id = idempotencyKey ? uuidv5(`${sessionId}:${idempotencyKey}`, MESSAGE_ID_NAMESPACE) : uuidv4();
      try {
        return messageView(await guardDatabase(() => prisma.message.create({ data: { id, sessionId, text, servedBy: instance, createdBy } }), timeoutMs));
      } catch (err) {
        if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
        const row = await guardDatabase(() => prisma.message.findUniqueOrThrow({ where: { id } }), timeoutMs);
        if (row.text !== text) throw new AppError('IDEMPOTENCY_KEY_MISMATCH');
        return messageView(row);
      }
    },

    async history(sessionId: string, limit = 100): Promise<MessageView[]> {
      const rows = await guardDatabase(
        () => prisma.message.findMany({ where: { sessionId }, orderBy: { createdAt: 'asc' }, take: limit }),
        timeoutMs,
      );
      return rows.map(messageView);
    },
  };
}
