import { AppError } from '../errors/app-error';
import { Prisma } from '../generated/prisma/client';

class DependencyTimeout extends Error {
  override name = 'DependencyTimeout';
}

/** Rejects when `promise` has not settled after `ms`; the bound that keeps requests from hanging. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DependencyTimeout(`no answer within ${ms} ms`)), ms);
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

export function redisUnavailable(cause: unknown): AppError {
  return cause instanceof AppError ? cause : new AppError('REDIS_UNAVAILABLE', undefined, undefined, { cause });
}

/**
 * Runs a PostgreSQL operation. Connection failures and timeouts become DATABASE_UNAVAILABLE;
 * a query error Prisma reports with a P2xxx code is a bug of ours and stays a 500.
 */
export async function guardDatabase<T>(operation: () => Promise<T>, ms: number): Promise<T> {
  try {
    return await withTimeout(operation(), ms);
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code.startsWith('P2')) throw err;
    throw new AppError('DATABASE_UNAVAILABLE', undefined, undefined, { cause: err });
  }
}
