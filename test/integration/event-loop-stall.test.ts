// A replica whose event loop stalls (a GC pause, Prisma compiling its query engine on the first
// catalogue request, SIGSTOP) must not report a healthy Redis as down. Found by the
// postgres-latency chaos scenario in CI: the victim's first catalogue request blocked its loop
// long enough that a counter increment in flight got 503 REDIS_UNAVAILABLE, though Redis had
// answered in time. The stalls here are real (a busy loop); Redis is real.
import request from 'supertest';
import { guardRedis } from '../../src/infra/dependency-guard';
import { buildApp, cookieFrom, openTestDeps, type TestDeps } from '../support/test-app';

/** Blocks the event loop, as a long synchronous compile would. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy on purpose
  }
}

let deps: TestDeps;

beforeAll(async () => {
  deps = await openTestDeps();
});
afterAll(() => deps.close());
afterEach(() => jest.restoreAllMocks());

describe('a Redis answer that arrives while the event loop is stalled', () => {
  it('when the stall outlasts the timeout, then the answer still counts', async () => {
    const key = `${deps.config.redisKeyPrefix}stall`;
    await deps.redis.set(key, 'answered');
    const timeoutMs = deps.config.dependencyTimeoutMs;

    // The command is issued before the stall starts; the timer expires during the stall.
    const reply = guardRedis(() => deps.redis.get(key), timeoutMs);
    stall(timeoutMs + 500);

    await expect(reply).resolves.toBe('answered');
  });

  it('when Redis truly does not answer, then the guard still gives up', async () => {
    const never = guardRedis(() => new Promise<string>(() => undefined), 200);
    await expect(never).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
  });

  it('when the loop stalls and Redis never answers, then the guard gives up right after the stall, not never', async () => {
    const started = Date.now();
    const never = guardRedis(() => new Promise<string>(() => undefined), 200);
    stall(500);
    await expect(never).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    // One loop turn after the 500 ms stall; the margin is for a busy machine, the point is "no hang".
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('when a session read is in flight during the stall, then the request gets its session, not a 503', async () => {
    const app = buildApp(deps);
    const created = await request(app).post('/api/v1/stateful/sessions').expect(201);
    const cookie = cookieFrom(created.headers['set-cookie'], 'statelab.sid');

    // The session store's GET goes out, then the loop stalls for longer than the timeout.
    const realGet = deps.redis.get.bind(deps.redis);
    const get = jest.spyOn(deps.redis, 'get').mockImplementationOnce(((key: string) => {
      const reply = realGet(key);
      setImmediate(() => stall(deps.config.dependencyTimeoutMs + 500));
      return reply;
    }) as typeof deps.redis.get);

    const read = await request(app).get('/api/v1/stateful/sessions/current').set('Cookie', cookie);
    expect(get).toHaveBeenCalled();
    expect(read.status).toBe(200);
    expect(read.body.sessionId).toBe(created.body.sessionId);
  });
});
