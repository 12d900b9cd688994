import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';

export type Database = PrismaClient;

export interface Postgres {
  /** The ORM, for the features' queries. */
  prisma: Database;
  /**
   * The same connections, for the few plain statements on every replica's path: the readiness
   * probe and the audit row (src/features/audit/audit-log.ts).
   * Teaching note: Prisma 7 compiles every query — `$queryRaw` too — with a WebAssembly query
   * compiler it loads on the first one, and that costs each replica ~60–75 MB of RSS (measured
   * in docs/benchmarking.md). A replica that only ever answers probes, sessions and counters
   * never needs it; the catalogue, messages, logins and the admin API load it when first used.
   */
  pool: Pool;
}

/**
 * One pool per process, shared by Prisma (through its driver adapter) and the plain statements.
 * Pool timeouts are what keep a dead PostgreSQL from hanging a request.
 */
export function createPostgres(url: string, timeoutMs: number, onIdleError: (err: Error) => void = () => undefined): Postgres {
  const pool = new Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs * 2,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that PostgreSQL drops (a restart, a reset link) is reported here; without
  // a listener the pool's 'error' event would crash the process. The next query reconnects.
  pool.on('error', onIdleError);
  return { prisma: new PrismaClient({ adapter: new PrismaPg(pool) }), pool };
}

/** Prisma first (it lets go of the pool it was given, without ending it), then the pool. */
export async function closePostgres({ prisma, pool }: Postgres): Promise<void> {
  await prisma.$disconnect();
  await pool.end();
}
