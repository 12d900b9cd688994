import { z } from 'zod';
import { INT4_MAX } from '../../http/database-values';

const finite = z.number().finite();

export const calculateBody = z.strictObject({
  operation: z.enum(['add', 'subtract', 'multiply', 'divide']),
  operands: z.array(finite).min(2).max(100),
});

export const randomQuery = z
  .object({
    min: z.coerce.number().int().min(-1e12).max(1e12).default(0),
    max: z.coerce.number().int().min(-1e12).max(1e12).default(100),
    count: z.coerce.number().int().min(1).max(1000).default(1),
  })
  .refine((q) => q.min <= q.max, { message: 'min must not exceed max', path: ['min'] });

/** Rounds are bounded so one request cannot pin a CPU for more than a few tens of ms. */
export const MAX_HASH_ROUNDS = 100_000;

export const hashQuery = z.object({
  input: z.string().min(1).max(1024),
  rounds: z.coerce.number().int().min(1).max(MAX_HASH_ROUNDS).default(1000),
});

export const productsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.coerce.number().int().min(1).max(INT4_MAX).optional(),
});

export const MAX_DELAY_MS = 10_000;

export const delayQuery = z.object({
  ms: z.coerce.number().int().min(0).max(MAX_DELAY_MS).default(100),
});
