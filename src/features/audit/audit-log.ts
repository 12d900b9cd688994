import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { AuditAction, Prisma } from '../../generated/prisma/client';
import { guardDatabase } from '../../infra/dependency-guard';

export interface AuditEntry {
  action: AuditAction;
  /** "user:<email>", "key:<id>", "cli", or "ip:<address>" when nobody could be identified. */
  actor?: string;
  /** What the action was about: a login session's public handle, a key id, a token id (never a credential). */
  target?: string;
  details?: Prisma.InputJsonValue;
  /** The session a session lifecycle row is about, and the store that holds it (redis, memory). */
  sessionId?: string;
  store?: string;
}

export interface AuditLog {
  /**
   * Writes one row, not awaited by the request: a PostgreSQL outage must not stop sessions,
   * logins or revocations. A row lost that way is logged at warn level.
   */
  record(entry: AuditEntry): void;
  /** The same write, awaited (the CLI, and admin actions that must not go unrecorded). */
  write(entry: AuditEntry): Promise<void>;
}

// The table and columns of the AuditLog model (prisma/schema.prisma, @@map/@map); the
// integration tests read every row written here back through Prisma.
const INSERT = `INSERT INTO audit_log (action, actor, target, details, session_id, store, instance)
  VALUES ($1::"AuditAction", $2, $3, $4::jsonb, $5, $6, $7)`;

/**
 * The one writer of the audit log: every row names who, what, when, and which replica.
 * Teaching note: plain SQL on the shared pool, not `prisma.auditLog.create`: every new session
 * writes a row, and through Prisma that first row would load its query compiler into a replica
 * that otherwise never needs it (src/infra/database.ts). Reading the log stays with Prisma.
 */
export function auditLog(pool: Pool, instance: string, timeoutMs: number, logger: Logger): AuditLog {
  const write = async ({ action, actor, target, details, sessionId, store }: AuditEntry) => {
    const json = details === undefined ? null : JSON.stringify(details);
    await guardDatabase(() => pool.query(INSERT, [action, actor ?? null, target ?? null, json, sessionId ?? null, store ?? null, instance]), timeoutMs);
  };
  return {
    write,
    record(entry) {
      write(entry).catch((err: unknown) => logger.warn({ err, action: entry.action }, 'audit log row not written'));
    },
  };
}
