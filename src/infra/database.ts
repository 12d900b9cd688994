import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Database = PrismaClient;

/**
 * Prisma 7 runs queries in JavaScript through a driver adapter: no engine binary is needed at
 * run time. Pool timeouts are what keep a dead PostgreSQL from hanging a request.
 */
export function createDatabase(url: string, timeoutMs: number): Database {
  const adapter = new PrismaPg({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs * 2,
    idleTimeoutMillis: 30_000,
  });
  return new PrismaClient({ adapter });
}
