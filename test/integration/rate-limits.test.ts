import request from 'supertest';
import { findFreePort as freePort } from '../../scripts/lib/private-services.mjs';
import { startRedis, stop, type ThrowawayRedis } from '../support/throwaway-redis';
import { buildApp, openTestDeps, type TestDeps } from '../support/test-app';

describe('rate limits on one replica', () => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await openTestDeps({ env: { RATE_LIMIT_LESSON_MAX: '3' } });
  });
  afterAll(() => deps.close());

  it('when a client exceeds the limit, then 429 RATE_LIMITED in the JSON error shape with draft-8 headers, on both stores', async () => {
    const app = buildApp(deps);
    for (const store of ['memory', 'redis']) {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await request(app).get(`/api/v1/limits/${store}`)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const refused = await request(app).get(`/api/v1/limits/${store}`).expect(429);
      expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 3, windowSeconds: 60, store } });
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused.headers.ratelimit).toMatch(/^"3-per-60"; r=0; t=\d+/);
    }
  });

  it('when two replicas share Redis, then the Redis store counts one limit for both; memory counts one each', async () => {
    const [a, b] = [buildApp(deps, 'a'), buildApp(deps, 'b')];
    // A fresh client address per store, so the previous test's counts do not interfere.
    const hit = (app: typeof a, store: string, ip: string) => request(app).get(`/api/v1/limits/${store}`).set('X-Forwarded-For', ip);
    const redisStatuses: number[] = [];
    const memoryStatuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      redisStatuses.push((await hit(i % 2 ? a : b, 'redis', '10.0.0.1')).status);
      memoryStatuses.push((await hit(i % 2 ? a : b, 'memory', '10.0.0.2')).status);
    }
    expect(redisStatuses.filter((s) => s === 200)).toHaveLength(3);
    expect(memoryStatuses.filter((s) => s === 200)).toHaveLength(6);
  });
});

/** A replica's deps on a redis-server of this test's own, which the test may stop and start. */
function withOwnRedis(lessonMax: number) {
  const own = { port: 0, redis: undefined as ThrowawayRedis | undefined, deps: undefined as unknown as TestDeps };
  beforeAll(async () => {
    own.port = await freePort();
    own.redis = await startRedis(own.port);
    own.deps = await openTestDeps({ redisUrl: `redis://127.0.0.1:${own.port}`, env: { RATE_LIMIT_LESSON_MAX: String(lessonMax) } });
  });
  afterAll(async () => {
    await own.deps.close();
    if (own.redis) await stop(own.redis);
  });
  return own;
}

describe('when Redis is down', () => {
  const own = withOwnRedis(2);
  beforeAll(async () => {
    await stop(own.redis!);
  });

  it('then the shared limiter fails open (200, degraded) within the dependency bound, the admin key limiter fails closed (503), and both recover', async () => {
    // Built while Redis is down: the store's script loading fails at start and must recover.
    const app = buildApp(own.deps);
    const started = Date.now();
    const open = await request(app).get('/api/v1/limits/redis').expect(200);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(open.body).toMatchObject({ store: 'redis', allowed: true, degraded: true, remaining: null });
    expect(open.headers.ratelimit).toBeUndefined();

    const closed = await request(app).get('/api/v1/admin/sessions').set('X-API-Key', 'anything').expect(503);
    expect(closed.body.error.code).toBe('REDIS_UNAVAILABLE');

    own.redis = await startRedis(own.port);
    let recovered: request.Response | undefined;
    for (let i = 0; i < 50 && recovered?.body.degraded !== false; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      recovered = await request(app).get('/api/v1/limits/redis');
    }
    expect(recovered?.body).toMatchObject({ degraded: false, remaining: 1 });
    await request(app).get('/api/v1/limits/redis').expect(200);
    await request(app).get('/api/v1/limits/redis').expect(429);
  });
});

describe('when Redis restarts and forgets its scripts', () => {
  const own = withOwnRedis(5);

  it('then the first limited request afterwards still counts in Redis (the store reloads its script), not a 503', async () => {
    const app = buildApp(own.deps);
    await request(app).get('/api/v1/limits/redis').expect(200);
    // SCRIPT FLUSH is what a restarted Redis looks like to a client: data back, script cache empty.
    await own.deps.redis.script('FLUSH');
    const after = await request(app).get('/api/v1/limits/redis').expect(200);
    expect(after.body).toMatchObject({ store: 'redis', degraded: false, remaining: 3 });
    const closed = await request(app).get('/api/v1/admin/sessions').set('X-API-Key', 'anything');
    expect(closed.status).toBe(401);
  });
});
