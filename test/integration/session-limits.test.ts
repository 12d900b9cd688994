// Anonymous writes are bounded (issue 19): session creation is throttled per address in Redis,
// the in-memory /local store holds at most LOCAL_SESSIONS_MAX sessions per replica, and a full
// Redis (maxmemory with noeviction) refuses writes with a 503 rather than evict sessions.
import request from 'supertest';
import { findFreePort as freePort } from '../../scripts/lib/private-services.mjs';
import { buildApp, cookieFrom, openTestDeps, type TestDeps } from '../support/test-app';
import { startRedis, stop } from '../support/throwaway-redis';

describe('creating sessions without end', () => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await openTestDeps({ env: { SESSION_CREATE_MAX: '3', LOCAL_SESSIONS_MAX: '4' } });
  });
  afterAll(() => deps.close());

  it('when one address creates more sessions a minute than SESSION_CREATE_MAX, then it gets 429 RATE_LIMITED, on every replica and both stores', async () => {
    const [a, b] = [buildApp(deps, 'replica-a'), buildApp(deps, 'replica-b')];
    const from = (app: typeof a, ip: string, kind = 'stateful') => request(app).post(`/api/v1/${kind}/sessions`).set('X-Forwarded-For', ip);
    await from(a, '10.6.0.1').expect(201);
    await from(b, '10.6.0.1').expect(201);
    await from(a, '10.6.0.1', 'local').expect(201);
    const limited = await from(b, '10.6.0.1').expect(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 3, windowSeconds: 60, store: 'redis' } });
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await from(a, '10.6.0.1', 'local').expect(429)).body.error.code).toBe('RATE_LIMITED');
    await from(a, '10.6.0.2').expect(201);
  });

  it('when a replica already holds LOCAL_SESSIONS_MAX memory sessions, then the next is refused with 503 LOCAL_SESSIONS_FULL until one goes', async () => {
    const app = buildApp(deps, 'replica-local');
    const cookies: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await request(app).post('/api/v1/local/sessions').set('X-Forwarded-For', `10.6.1.${i}`).expect(201);
      cookies.push(cookieFrom(res.headers['set-cookie'], 'statelab.local.sid'));
    }
    const full = await request(app).post('/api/v1/local/sessions').set('X-Forwarded-For', '10.6.1.9').expect(503);
    expect(full.body.error.code).toBe('LOCAL_SESSIONS_FULL');
    // Every session already held still works.
    for (const cookie of cookies) await request(app).get('/api/v1/local/sessions/current').set('Cookie', cookie).expect(200);
    const current = await request(app).get('/api/v1/local/sessions/current').set('Cookie', cookies[0]!).expect(200);
    await request(app).delete(`/api/v1/local/sessions/${current.body.sessionId}`).set('Cookie', cookies[0]!).expect(204);
    await request(app).post('/api/v1/local/sessions').set('X-Forwarded-For', '10.6.1.9').expect(201);
  });
});

describe('a Redis that is full', () => {
  let port: number;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let deps: TestDeps;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    deps = await openTestDeps({ redisUrl: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await deps.close();
    await stop(redis);
  });

  it('when maxmemory is reached under noeviction, then writes answer 503 REDIS_FULL, sessions are kept, and stateless routes still answer', async () => {
    const app = buildApp(deps);
    const created = await request(app).post('/api/v1/stateful/sessions').expect(201);
    const cookie = cookieFrom(created.headers['set-cookie'], 'statelab.sid');
    await deps.redis.config('SET', 'maxmemory-policy', 'noeviction');
    // Below what Redis already uses: every write is refused from now on, and nothing is evicted.
    await deps.redis.config('SET', 'maxmemory', '1');
    try {
      const refused = await request(app).post('/api/v1/stateful/sessions').expect(503);
      expect(refused.body.error.code).toBe('REDIS_FULL');
      const increment = await request(app).post('/api/v1/stateful/counter/atomic').set('Cookie', cookie).expect(503);
      expect(increment.body.error.code).toBe('REDIS_FULL');
      await request(app).get('/api/v1/stateful/sessions/current').set('Cookie', cookie).expect(200);
      await request(app).get('/api/v1/stateless/info').expect(200);
    } finally {
      await deps.redis.config('SET', 'maxmemory', '0');
    }
    await request(app).post('/api/v1/stateful/counter/atomic').set('Cookie', cookie).expect(200);
  });
});
