import { DatabaseError } from 'pg';
import { AppError } from '../errors/app-error';
import { Prisma } from '../generated/prisma/client';

class DependencyTimeout extends Error {
  override name = 'DependencyTimeout';
}

/**
 * Rejects when `promise` has not settled after `ms`; the bound that keeps requests from hanging.
 *
 * Teaching note: a timeout should measure the dependency, not our own pauses. After the event
 * loop stalls (a GC pause, Prisma compiling its query engine on the first catalogue request, a
 * SIGSTOP), expired timers run before the loop reads its sockets — so an answer that arrived
 * during the stall would lose to a timer that expired during it, and a healthy Redis would be
 * reported down. The verdict therefore waits one turn (setImmediate runs after the poll phase):
 * an answer already in the socket wins; a dependency that truly has not answered still loses.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => setImmediate(() => reject(new DependencyTimeout(`no answer within ${ms} ms`))), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs a Redis operation; any failure or a reply later than `ms` becomes REDIS_UNAVAILABLE.
 * Redis replies to our commands never fail for reasons the client caused, so every error here is
 * the dependency's.
 */
export async function guardRedis<T>(operation: () => Promise<T>, ms: number): Promise<T> {
  try {
    return await withTimeout(operation(), ms);
  } catch (err) {
    throw redisUnavailable(err);
  }
}

/**
 * Teaching note: Redis answers a write with OOM once `maxmemory` is reached under the
 * `noeviction` policy. That is a choice, not a failure: with an evicting policy Redis would drop
 * keys — sessions among them — to make room, and a student would be logged out at random with
 * nothing in any log. Refused writes are loud (503 REDIS_FULL) and lose nothing already stored.
 */
const OUT_OF_MEMORY = /^OOM\b/;

/** An OOM reply, or a MULTI that Redis discarded because a command in it got one (ioredis's previousErrors). */
function outOfMemory(cause: unknown): boolean {
  if (!(cause instanceof Error)) return false;
  const previous = (cause as Error & { previousErrors?: unknown[] }).previousErrors ?? [];
  return OUT_OF_MEMORY.test(cause.message) || previous.some((err) => err instanceof Error && OUT_OF_MEMORY.test(err.message));
}

export function redisUnavailable(cause: unknown): AppError {
  if (cause instanceof AppError) return cause;
  if (outOfMemory(cause)) return new AppError('REDIS_FULL', undefined, undefined, { cause });
  return new AppError('REDIS_UNAVAILABLE', undefined, undefined, { cause });
}

/**
 * SQLSTATEs that say "the server cannot take this now", not "your query is wrong": connection
 * exceptions (class 08), shutdown and start-up (57P01–57P03: "the database system is starting
 * up" right after a restart), too many connections (53300).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]$|53300$)/;

function sqlState(err: Prisma.PrismaClientKnownRequestError): string | undefined {
  const meta = err.meta as { driverAdapterError?: { cause?: { originalCode?: unknown } } } | undefined;
  const code = meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs a PostgreSQL operation, through Prisma or plain `pg`. Connection failures and timeouts
 * become DATABASE_UNAVAILABLE; a query error (Prisma's P2xxx, or an error PostgreSQL answered
 * through `pg`) is a bug of ours and stays a 500 — unless its SQLSTATE says the server is
 * unavailable (Prisma wraps those as P2xxx too).
 */
export async function guardDatabase<T>(operation: () => Promise<T>, ms: number): Promise<T> {
  try {
    return await withTimeout(operation(), ms);
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code.startsWith('P2') && !UNAVAILABLE_SQLSTATE.test(sqlState(err) ?? '')) {
      throw err;
    }
    if (err instanceof DatabaseError && !UNAVAILABLE_SQLSTATE.test(err.code ?? '')) throw err;
    throw new AppError('DATABASE_UNAVAILABLE', undefined, undefined, { cause: err });
  }
}
