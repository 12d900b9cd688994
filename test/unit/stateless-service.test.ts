import { AppError } from '../../src/errors/app-error';
import { calculate, iteratedSha256, randomIntegers } from '../../src/features/stateless/stateless.service';
import { requestIdFrom } from '../../src/http/request-context';

describe('calculate', () => {
  it('when subtracting several operands, then folds left to right', () => {
    expect(calculate('subtract', [10, 3, 2])).toBe(5);
  });

  it('when dividing by zero anywhere in the chain, then throws DIVISION_BY_ZERO', () => {
    expect(() => calculate('divide', [8, 2, 0])).toThrow(expect.objectContaining({ code: 'DIVISION_BY_ZERO' }) as AppError);
  });
});

describe('randomIntegers', () => {
  it('when min equals max, then every value is that number', () => {
    expect(randomIntegers(7, 7, 5)).toEqual([7, 7, 7, 7, 7]);
  });
});

describe('iteratedSha256', () => {
  it('when one round, then equals a plain sha256', () => {
    expect(iteratedSha256('abc', 1)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('requestIdFrom', () => {
  it('when the header is safe, then it is kept; when absent or unsafe, then a uuid is made', () => {
    expect(requestIdFrom('abc-123')).toBe('abc-123');
    expect(requestIdFrom(undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFrom('x'.repeat(200))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFrom(['first', 'second'])).toBe('first');
  });
});
