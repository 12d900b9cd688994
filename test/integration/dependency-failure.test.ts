import request from 'supertest';
import { buildApp, cookieFrom, openTestDeps, type TestDeps } from '../support/test-app';
import { findFreePort as freePort } from '../../scripts/lib/private-services.mjs';
import { startRedis, stop, type ThrowawayRedis } from '../support/throwaway-redis';

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = Date.now();
  const value = await work();
  return { ms: Date.now() - start, value };
}

// The bound is "about one second"; the margin absorbs a busy 2-core CI machine.
const BOUND_MS = 2500;

describe('when Redis goes down and comes back', () => {
  let redisPort: number;
  let redis: ThrowawayRedis;
  let deps: TestDeps;
  let app: ReturnType<typeof buildApp>;

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    deps = await openTestDeps({ redisUrl: `redis://127.0.0.1:${redisPort}` });
    app = buildApp(deps);
  });
  afterAll(async () => {
    await deps.close();
    await stop(redis);
  });

  it('then stateful routes answer 503 REDIS_UNAVAILABLE quickly, stateless keep answering 200, and all recovers', async () => {
    const created = await request(app).post('/api/v1/stateful/sessions').expect(201);
    const cookie = cookieFrom(created.headers['set-cookie'], 'statelab.sid');

    await stop(redis);

    const read = await timed(() => request(app).get('/api/v1/stateful/sessions/current').set('Cookie', cookie));
    expect(read.value.status).toBe(503);
    expect(read.value.body.error.code).toBe('REDIS_UNAVAILABLE');
    expect(read.ms).toBeLessThan(BOUND_MS);

    const create = await timed(() => request(app).post('/api/v1/stateful/sessions'));
    expect(create.value.status).toBe(503);
    expect(create.ms).toBeLessThan(BOUND_MS);

    const atomic = await timed(() => request(app).post('/api/v1/stateful/counter/atomic').set('Cookie', cookie));
    expect(atomic.value.status).toBe(503);
    expect(atomic.value.body).toEqual({ error: { code: 'REDIS_UNAVAILABLE', message: 'Redis is unavailable' } });

    await request(app).get('/api/v1/stateless/info').expect(200);
    await request(app).get('/api/v1/stateless/products?limit=2').expect(200);
    // The in-memory store does not need Redis at all.
    await request(app).post('/api/v1/local/sessions').expect(201);

    const ready = await request(app).get('/ready').expect(503);
    expect(ready.body.error.code).toBe('REDIS_UNAVAILABLE');
    expect(ready.body.error.details.checks).toEqual({ redis: 'down', database: 'up' });

    redis = await startRedis(redisPort);
    // ioredis reconnects on its own (backoff up to 2 s); the session itself was lost with the
    // non-persistent Redis, so recovery means new sessions work again.
    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 201; i++) {
      recovered = (await request(app).post('/api/v1/stateful/sessions')).status;
      if (recovered !== 201) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(201);
    await request(app).get('/ready').expect(200);
  });
});

describe('when PostgreSQL is unreachable', () => {
  let deps: TestDeps;
  let app: ReturnType<typeof buildApp>;

  beforeAll(async () => {
    deps = await openTestDeps({ databaseUrl: `postgresql://postgres@127.0.0.1:${await freePort()}/nowhere` });
    app = buildApp(deps);
  });
  afterAll(() => deps.close());

  it('then database routes answer 503 DATABASE_UNAVAILABLE quickly while the rest keeps working', async () => {
    const products = await timed(() => request(app).get('/api/v1/stateless/products'));
    expect(products.value.status).toBe(503);
    expect(products.value.body.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(products.ms).toBeLessThan(BOUND_MS);

    await request(app).get('/api/v1/stateless/info').expect(200);
    await request(app).post('/api/v1/stateless/calculate').send({ operation: 'add', operands: [1, 2] }).expect(200);

    // Sessions live in Redis: they still work; only the message, which needs PostgreSQL, fails.
    const created = await request(app).post('/api/v1/stateful/sessions').expect(201);
    const cookie = cookieFrom(created.headers['set-cookie'], 'statelab.sid');
    const message = await request(app).post('/api/v1/stateful/conversations').set('Cookie', cookie).send({ text: 'hi' }).expect(503);
    expect(message.body.error.code).toBe('DATABASE_UNAVAILABLE');
    // …and the failed request left the session unchanged: nothing half-done.
    const current = await request(app).get('/api/v1/stateful/sessions/current').set('Cookie', cookie).expect(200);
    expect(current.body.messageCount).toBe(0);

    const ready = await request(app).get('/ready').expect(503);
    expect(ready.body.error.code).toBe('DATABASE_UNAVAILABLE');
  });
});
