import type { Logger } from 'pino';
import type { AuditAction, Prisma } from '../../generated/prisma/client';
import type { Database } from '../../infra/database';
import { guardDatabase } from '../../infra/dependency-guard';

export interface AuditEntry {
  action: AuditAction;
  /** "user:<email>", "key:<id>", "cli", or "ip:<address>" when nobody could be identified. */
  actor: string;
  /** What the action was about: a session id, a key id, a token id. */
  target?: string;
  details?: Prisma.InputJsonValue;
}

export interface AuditLog {
  /**
   * Writes one row, not awaited by the request: a PostgreSQL outage must not stop logins or
   * revocations. A row lost that way is logged at warn level.
   */
  record(entry: AuditEntry): void;
  /** The same write, awaited (the CLI, and admin actions that must not go unrecorded). */
  write(entry: AuditEntry): Promise<void>;
}

/** The one writer of the audit log: every row names who, what, when, and which replica. */
export function auditLog(prisma: Database, instance: string, timeoutMs: number, logger: Logger): AuditLog {
  const write = async ({ action, actor, target, details }: AuditEntry) => {
    await guardDatabase(() => prisma.auditLog.create({ data: { action, actor, target, details, instance } }), timeoutMs);
  };
  return {
    write,
    record(entry) {
      write(entry).catch((err: unknown) => logger.warn({ err, action: entry.action }, 'audit log row not written'));
    },
  };
}
