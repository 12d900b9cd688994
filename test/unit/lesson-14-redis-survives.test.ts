// Worksheet 14's checks on synthetic histories: sessions opened and counted, every Redis killed
// and started again, a Sentinel failover and the old primary's return — in a standalone and in a
// sentinel cluster, passing and failing, each failure saying what is missing.
import type { ComponentState } from '../../cluster/control';
import { checkLab } from '../../lab/lab-checks';
import { LabHistory } from '../../lab/lab-history';
import type { ActionEvent, LessonEvent } from '../../lab/lab-types';
import type { CheckInput } from '../../lab/lessons/lesson';
import { blackoutsOf, handleOf } from '../../lab/lessons/14-redis-survives';
import { DURABILITY_LESSON, SENTINEL_RESTART, type FailoverRun, type SessionBatch, type SessionCount } from '../../lab/lessons/14-redis-survives.contract';

const T0 = 1_700_000_000_000;

function redis(name: string, role?: 'primary' | 'replica', state: ComponentState['state'] = 'up'): ComponentState {
  return { name, kind: 'redis', state, ready: state === 'up', pid: state === 'up' ? 4242 : null, url: 'redis://127.0.0.1:1', actions: [], ...(role ? { role } : {}) };
}
const STANDALONE = [redis('redis')];
const SENTINEL = [redis('redis', 'primary'), redis('redis-replica', 'replica')];

function lessonEvent(history: LabHistory, kind: string, at: number, data: unknown): void {
  const event: LessonEvent = { type: 'lesson', lesson: DURABILITY_LESSON, kind, at, data };
  history.recordLessonEvent(event);
}

function batch(history: LabHistory, at: number, created: number, held = created): void {
  const data: SessionBatch = { id: `b${at}`, at, requested: created, created, failed: {}, handles: ['a1b2c3d4', 'e5f60718'], held };
  lessonEvent(history, 'sessions', at, data);
}

function count(history: LabHistory, at: number, held: number, found: number, unavailable = held - found, by: SessionCount['by'] = 'student'): SessionCount {
  const data: SessionCount = { id: `c${at}`, at, by, held, found, lost: held - found - unavailable, unavailable, redis: [] };
  lessonEvent(history, 'count', at, data);
  return data;
}

function action(history: LabHistory, at: number, act: 'kill' | 'stop' | 'start', target: string, ok = true): void {
  const event: ActionEvent = { type: 'action', at, action: act, target, ok, message: `${act} ${target}`, durationMs: 50 };
  history.recordAction(event);
}

function failover(history: LabHistory, at: number, extra: Partial<FailoverRun> = {}): void {
  const writes = [
    { t: -1, status: 200, errorCode: null, replica: 'app-1', latencyMs: 2 },
    { t: 100, status: 503, errorCode: 'REDIS_UNAVAILABLE', replica: 'app-1', latencyMs: 3 },
    { t: 900, status: 503, errorCode: 'REDIS_UNAVAILABLE', replica: 'app-1', latencyMs: 4 },
    { t: 1_700, status: 200, errorCode: null, replica: 'app-1', latencyMs: 2 },
  ];
  const run: FailoverRun = {
    id: 'f1', startedAt: at, running: false, killed: 'redis', killedAt: at + 1_000, promoted: 'redis-replica', promotedAfterMs: 1_500, writes,
    recoveredAfterMs: 1_700, count: { id: 'cf', at: at + 4_000, by: 'failover', held: 50, found: 50, lost: 0, unavailable: 0, redis: [] }, error: null, ...extra,
  };
  lessonEvent(history, 'failover', at + 4_000, run);
}

const report = (history: LabHistory, components: ComponentState[], redisMode: CheckInput['redisMode']) => checkLab(14, { history, components, redisMode })!;
const step = (history: LabHistory, components: ComponentState[], redisMode: CheckInput['redisMode'], id: string) => report(history, components, redisMode).steps.find((s) => s.step === id)!;

/** Steps 1 and 2 done right: 50 sessions, counted, every Redis killed, counted while down, started, counted. */
function aofDone(history: LabHistory, servers: string[]): void {
  batch(history, T0, 50);
  count(history, T0 + 1_000, 50, 50);
  servers.forEach((s, i) => action(history, T0 + 2_000 + i * 100, 'kill', s));
  count(history, T0 + 3_000, 50, 0);
  servers.forEach((s, i) => action(history, T0 + 4_000 + i * 300, 'start', s));
  count(history, T0 + 6_000, 50, 50);
}

describe('lesson 14: Redis must survive too', () => {
  test('when a session id is given a handle, then it is 8 hex that do not contain the id', () => {
    const id = 'Zq3-s0meSess1onId_abcdefghijklmnop';
    expect(handleOf(id)).toMatch(/^[0-9a-f]{8}$/);
    expect(id).not.toContain(handleOf(id));
    expect(handleOf(id)).toBe(handleOf(id));
  });

  test('when nothing was done, then every step fails and says which button to press (standalone: steps 3 and 4 give the Sentinel restart)', () => {
    const r = report(new LabHistory(), STANDALONE, 'standalone');
    expect(r.passed).toBe(false);
    expect(r.steps.map((s) => s.passed)).toEqual([false, false, false, false]);
    expect(r.steps[0]!.parts[0]!.detail).toMatch(/press \*\*Open sessions\*\*/);
    expect(r.steps[1]!.parts[0]!.detail).toMatch(/open sessions first/);
    for (const s of r.steps.slice(2)) expect(s.parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining(SENTINEL_RESTART) });
  });

  test('when sessions were opened and all found, then step 1 passes; too few or a count with Redis down fails it', () => {
    const history = new LabHistory();
    batch(history, T0, 5);
    expect(step(history, STANDALONE, 'standalone', 'sessions').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('5 sessions held (need 10)') });
    batch(history, T0 + 100, 95, 100);
    count(history, T0 + 200, 100, 0);
    expect(step(history, STANDALONE, 'standalone', 'sessions').parts[1]).toMatchObject({ passed: false, detail: expect.stringContaining('0 of 100 found, 100 unavailable') });
    count(history, T0 + 300, 100, 100);
    expect(step(history, STANDALONE, 'standalone', 'sessions')).toMatchObject({ passed: true, parts: [expect.anything(), expect.objectContaining({ detail: expect.stringContaining('100 of 100 found') })] });
  });

  test('when the standalone Redis was killed, counted while down, started and every session found, then step 2 passes and says the AOF brought them back', () => {
    const history = new LabHistory();
    aofDone(history, ['redis']);
    const s = step(history, STANDALONE, 'standalone', 'aof');
    expect(s.passed).toBe(true);
    expect(s.parts.map((p) => p.name)).toEqual(['redis killed with SIGKILL', 'counted while Redis was down', 'redis started again', 'every session came back']);
    expect(s.parts.at(-1)!.detail).toMatch(/50 of 50 found after the start \(50 held before the kill\).*append-only file/);
  });

  test('when Redis came back with sessions missing, then step 2 fails and names the loss', () => {
    const history = new LabHistory();
    aofDone(history, ['redis']);
    count(history, T0 + 7_000, 50, 20, 0);
    // The first full count after the start is what counts; without it, the latest.
    const lossy = new LabHistory();
    batch(lossy, T0, 50);
    action(lossy, T0 + 2_000, 'kill', 'redis');
    count(lossy, T0 + 3_000, 50, 0);
    action(lossy, T0 + 4_000, 'start', 'redis');
    count(lossy, T0 + 6_000, 50, 20, 0);
    expect(step(lossy, STANDALONE, 'standalone', 'aof').parts.at(-1)).toMatchObject({ passed: false, detail: expect.stringContaining('20 of 50 found, 30 lost') });
    expect(step(history, STANDALONE, 'standalone', 'aof').passed).toBe(true);
  });

  test('when Redis was stopped instead of killed, or not started again, or not counted while down, then step 2 fails and says why', () => {
    const stopped = new LabHistory();
    batch(stopped, T0, 50);
    action(stopped, T0 + 2_000, 'stop', 'redis');
    count(stopped, T0 + 3_000, 50, 0);
    action(stopped, T0 + 4_000, 'start', 'redis');
    count(stopped, T0 + 6_000, 50, 50);
    expect(step(stopped, STANDALONE, 'standalone', 'aof').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('**stop** lets Redis shut down cleanly') });

    const down = new LabHistory();
    batch(down, T0, 50);
    action(down, T0 + 2_000, 'kill', 'redis');
    const s = step(down, STANDALONE, 'standalone', 'aof');
    expect(s.parts.find((p) => p.name === 'counted while Redis was down')).toMatchObject({ passed: false, detail: expect.stringContaining('while Redis is down') });
    expect(s.parts.at(-1)).toMatchObject({ passed: false, detail: 'press **start every Redis**' });
  });

  test('when Redis was killed before any session was opened, then that outage does not count', () => {
    const history = new LabHistory();
    action(history, T0, 'kill', 'redis');
    action(history, T0 + 1_000, 'start', 'redis');
    batch(history, T0 + 2_000, 50);
    count(history, T0 + 3_000, 50, 50);
    expect(step(history, STANDALONE, 'standalone', 'aof').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('only redis went down') });
  });

  test('when only the primary of a sentinel cluster was killed, then step 2 fails: the replica kept a copy in memory; both killed at once pass it', () => {
    const one = new LabHistory();
    batch(one, T0, 50);
    action(one, T0 + 2_000, 'kill', 'redis');
    action(one, T0 + 4_000, 'start', 'redis');
    count(one, T0 + 6_000, 50, 50);
    expect(step(one, SENTINEL, 'sentinel', 'aof').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('the other kept a copy in memory') });

    const both = new LabHistory();
    aofDone(both, ['redis-replica', 'redis']);
    expect(blackoutsOf(both, ['redis', 'redis-replica'])).toHaveLength(1);
    const s = step(both, SENTINEL, 'sentinel', 'aof');
    expect(s.passed).toBe(true);
    expect(s.parts[0]!.name).toBe('every Redis (redis, redis-replica) killed with SIGKILL');
  });

  test('when a failover run promoted the replica, writes failed fast and came back and every session was found, then step 3 passes in sentinel mode — and never in standalone', () => {
    const history = new LabHistory();
    aofDone(history, ['redis-replica', 'redis']);
    failover(history, T0 + 10_000);
    const s = step(history, SENTINEL, 'sentinel', 'failover');
    expect(s.passed).toBe(true);
    expect(s.parts.map((p) => p.detail).join('\n')).toMatch(/redis-replica is primary 1\.5 s after the kill[\s\S]*2 of 3 writes after the kill failed \(503 REDIS_UNAVAILABLE\), the slowest in 4 ms[\s\S]*1\.7 s after the kill[\s\S]*50 of 50 found on redis-replica/);
    expect(step(history, SENTINEL, 'standalone', 'failover')).toMatchObject({ passed: false, parts: [expect.objectContaining({ detail: expect.stringContaining('REDIS_MODE=standalone') })] });
  });

  test('when a failover run hung, lost sessions or ended early, then step 3 fails and says which', () => {
    const slow = new LabHistory();
    failover(slow, T0, { writes: [{ t: 100, status: 503, errorCode: 'REDIS_UNAVAILABLE', replica: 'app-1', latencyMs: 9_000 }, { t: 9_500, status: 200, errorCode: null, replica: 'app-1', latencyMs: 2 }] });
    expect(step(slow, SENTINEL, 'sentinel', 'failover').parts.find((p) => p.name === 'writes failed fast meanwhile')).toMatchObject({ passed: false, detail: expect.stringContaining('the slowest in 9000 ms') });

    const lost = new LabHistory();
    failover(lost, T0, { count: { id: 'c', at: T0, by: 'failover', held: 50, found: 47, lost: 3, unavailable: 0, redis: [] } });
    expect(step(lost, SENTINEL, 'sentinel', 'failover').parts.at(-1)).toMatchObject({ passed: false, detail: expect.stringContaining('47 of 50 found, 3 lost') });

    const early = new LabHistory();
    failover(early, T0, { promoted: null, promotedAfterMs: null, error: 'no replica was promoted within 30 s' });
    expect(step(early, SENTINEL, 'sentinel', 'failover').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('no replica was promoted') });
  });

  test('when the killed primary is up again as a replica with one primary left, then step 4 passes; still down or still primary fails it', () => {
    const history = new LabHistory();
    failover(history, T0);
    expect(step(history, [redis('redis', undefined, 'down'), redis('redis-replica', 'primary')], 'sentinel', 'rejoin').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('redis is down') });
    const twoPrimaries = step(history, [redis('redis', 'primary'), redis('redis-replica', 'primary')], 'sentinel', 'rejoin');
    expect(twoPrimaries.passed).toBe(false);
    expect(twoPrimaries.parts.find((p) => p.name === 'one primary')).toMatchObject({ passed: false, detail: 'primary: redis, redis-replica' });
    expect(step(history, [redis('redis', 'replica'), redis('redis-replica', 'primary')], 'sentinel', 'rejoin').passed).toBe(true);
    expect(step(history, [redis('redis', 'replica'), redis('redis-replica', 'primary')], 'standalone', 'rejoin').parts[0]!.detail).toContain(SENTINEL_RESTART);
  });

  test('when every step was done on a sentinel cluster, then the whole worksheet passes', () => {
    const history = new LabHistory();
    aofDone(history, ['redis-replica', 'redis']);
    failover(history, T0 + 10_000);
    expect(report(history, [redis('redis', 'replica'), redis('redis-replica', 'primary')], 'sentinel').passed).toBe(true);
  });
});
