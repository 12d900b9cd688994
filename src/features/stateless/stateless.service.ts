import { createHash } from 'node:crypto';
import { randomInt } from 'node:crypto';
import { AppError } from '../../errors/app-error';

export type Operation = 'add' | 'subtract' | 'multiply' | 'divide';

/** Folds the operands left to right: subtract [10, 3, 2] is (10 - 3) - 2. */
export function calculate(operation: Operation, operands: readonly number[]): number {
  const [first, ...rest] = operands;
  let result = first ?? 0;
  for (const operand of rest) {
    switch (operation) {
      case 'add':
        result += operand;
        break;
      case 'subtract':
        result -= operand;
        break;
      case 'multiply':
        result *= operand;
        break;
      case 'divide':
        if (operand === 0) throw new AppError('DIVISION_BY_ZERO');
        result /= operand;
        break;
    }
  }
  if (!Number.isFinite(result)) throw new AppError('RESULT_NOT_FINITE');
  return result;
}

export function randomIntegers(min: number, max: number, count: number): number[] {
  return Array.from({ length: count }, () => randomInt(min, max + 1));
}

/**
 * Teaching note: this is the CPU-bound endpoint. It does its work synchronously on the event
 * loop, so while it runs this replica answers nothing else — the case where `least_conn`
 * balancing and more replicas matter most.
 */
export function iteratedSha256(input: string, rounds: number): string {
  let digest = createHash('sha256').update(input).digest();
  for (let i = 1; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}
