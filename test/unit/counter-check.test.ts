import { counterCheck } from '../../cluster/counter-check';
import { failureGroups, isFailure } from '../../chaos/checks';
import type { Outcome } from '../../chaos/outcomes';
import { checkOperations, type OperationRecord } from '../../chaos/counter-workload';

function ops(acknowledged: number, indeterminate: number, attempts = 1): OperationRecord[] {
  return Array.from({ length: acknowledged + indeterminate }, (_, op) => ({
    op,
    attempts,
    outcome: op < acknowledged ? 'acknowledged' : 'indeterminate',
  }));
}

describe('the counter check (acknowledged ≤ final ≤ attempted)', () => {
  it('when every increment was acknowledged and counted once, then nothing is lost or doubled', () => {
    expect(counterCheck(10, 10, 10)).toMatchObject({ unacknowledged: 0, lost: 0, duplicated: 0, ambiguousApplied: 0 });
  });

  it('when the counter is below the acknowledged count, then the difference is lost', () => {
    expect(counterCheck(10, 10, 7)).toMatchObject({ lost: 3, duplicated: 0 });
  });

  it('when the counter is above the attempted count, then the difference was applied twice', () => {
    expect(counterCheck(10, 10, 12)).toMatchObject({ lost: 0, duplicated: 2 });
  });

  it('when failed increments show up in the counter, then they are ambiguous-but-applied, not duplicates', () => {
    expect(counterCheck(14, 10, 13)).toMatchObject({ unacknowledged: 4, ambiguousApplied: 3, duplicated: 0 });
  });

  it('when keyed increments took several requests each, then each is attempted once', () => {
    expect(checkOperations(ops(10, 0, 3), 10)).toMatchObject({ attempted: 10, acknowledged: 10, duplicated: 0 });
  });
});

describe('what counts as a failed chaos request', () => {
  const outcome = (o: Partial<Outcome>): Outcome => ({ id: 'x', t: 0, client: 'c', route: 'session-read', method: 'GET', status: 200, replica: 'app-1', error: null, latencyMs: 1, ...o });

  it('when a client holding a session gets 401, then that is a failure (its session was lost), as are 5xx and no answer', () => {
    expect(isFailure(outcome({ status: 401 }))).toBe(true);
    expect(isFailure(outcome({ status: 503 }))).toBe(true);
    expect(isFailure(outcome({ status: 0 }))).toBe(true);
    expect(isFailure(outcome({ status: 200 }))).toBe(false);
  });

  it("when a keyed POST answers 409, then it is not a failure (the key's first attempt still holds the lease), but unkeyed 409 is", () => {
    expect(isFailure(outcome({ route: 'counter-keyed', method: 'POST', status: 409 }))).toBe(false);
    expect(isFailure(outcome({ route: 'counter-atomic', method: 'POST', status: 409 }))).toBe(true);
  });

  it('when failures come from several replicas, then they are grouped by route, replica and error', () => {
    const groups = failureGroups([
      outcome({ status: 503, replica: 'app-2', error: 'REDIS_UNAVAILABLE' }),
      outcome({ status: 503, replica: 'app-2', error: 'REDIS_UNAVAILABLE' }),
      outcome({ status: 502, replica: null, error: 'BAD_GATEWAY' }),
      outcome({ status: 200 }),
    ]);
    expect(groups).toEqual([
      { route: 'session-read', replica: 'app-2', error: 'REDIS_UNAVAILABLE', count: 2 },
      { route: 'session-read', replica: 'nginx', error: 'BAD_GATEWAY', count: 1 },
    ]);
  });
});
