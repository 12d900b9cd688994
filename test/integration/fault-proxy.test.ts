// The TCP fault proxy (chaos/fault-proxy.ts) between clients and the real Redis of the
// integration setup: what each fault does to a plain ioredis client, and to a replica whose
// Redis connection runs through it.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { startFaultProxy, type FaultProxy } from '../../chaos/fault-proxy';
import { connectRedis, createRedis } from '../../src/infra/redis';
import { buildApp, openTestDeps, type TestDeps } from '../support/test-app';

const redisUrl = () => new URL(process.env.STATELAB_TEST_REDIS_URL!);
/** The test Redis's URL with the proxy's address: its password too (a throwaway Redis has one). */
function throughProxy(): string {
  const url = redisUrl();
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  return url.toString();
}

let proxy: FaultProxy;
let viaProxy: Redis;
let direct: Redis;
const key = `test:fault-proxy:${randomUUID()}`;

beforeAll(async () => {
  const target = redisUrl();
  proxy = await startFaultProxy({ target: { host: target.hostname, port: Number(target.port || 6379) } });
  viaProxy = createRedis(throughProxy(), 1000);
  direct = createRedis(target.toString(), 1000);
  await Promise.all([connectRedis(viaProxy), connectRedis(direct)]);
});

afterEach(() => proxy.setMode({ kind: 'pass' }));

afterAll(async () => {
  await direct.del(key);
  viaProxy.disconnect();
  direct.disconnect();
  await proxy.close();
});

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('did not recover in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the fault proxy in front of Redis', () => {
  it('when passing, then commands through it reach the real Redis', async () => {
    await viaProxy.set(key, 'through');
    expect(await direct.get(key)).toBe('through');
    expect(proxy.connections()).toBeGreaterThan(0);
  });

  it('when adding latency, then a command sent through it first is overtaken by one sent directly after it', async () => {
    await direct.set(key, '0');
    proxy.setMode({ kind: 'latency', ms: 300 });
    const slow = viaProxy.incr(key);
    const fast = direct.incr(key);
    expect(await fast).toBe(1);
    expect(await slow).toBe(2);
  });

  it('when blackholing, then a command gets no answer until the fault is lifted, and the stream is intact after', async () => {
    proxy.setMode({ kind: 'blackhole' });
    await expect(viaProxy.get(key)).rejects.toThrow(/timed out/i);
    proxy.setMode({ kind: 'pass' });
    await direct.set(key, 'after');
    // The late reply to the timed-out GET is matched to that GET, not to this one.
    await eventually(async () => (await viaProxy.get(key)) === 'after');
  });

  it('when resetting, then open connections fail with ECONNRESET, and the client reconnects once the fault is lifted', async () => {
    const errors: string[] = [];
    viaProxy.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
    proxy.setMode({ kind: 'reset' });
    await expect(viaProxy.ping()).rejects.toThrow();
    expect(errors).toContain('ECONNRESET');
    proxy.setMode({ kind: 'pass' });
    await eventually(async () => (await viaProxy.ping()) === 'PONG');
  });
});

describe('a replica whose Redis is behind the fault proxy', () => {
  let deps: TestDeps;

  beforeAll(async () => {
    deps = await openTestDeps({ redisUrl: throughProxy() });
  });
  afterAll(() => deps.close());

  it('when the network to Redis is a blackhole, then stateful routes answer 503 REDIS_UNAVAILABLE fast instead of hanging, and recover', async () => {
    const app = buildApp(deps);
    await request(app).post('/api/v1/stateful/sessions').expect(201);
    proxy.setMode({ kind: 'blackhole' });
    const started = Date.now();
    const res = await request(app).post('/api/v1/stateful/sessions');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('REDIS_UNAVAILABLE');
    // The failure rules' "about one second"; the margin absorbs a busy 2-core machine.
    expect(Date.now() - started).toBeLessThan(2_500);
    await request(app).get('/api/v1/stateless/info').expect(200);
    proxy.setMode({ kind: 'pass' });
    await eventually(async () => (await request(app).post('/api/v1/stateful/sessions')).status === 201);
  });

  // Found by the sigstop-replica chaos scenario: a replica paused mid-request wakes with its
  // Redis timer already expired. express-session with `unset: 'destroy'` then deletes the
  // session it failed to load (req.session is empty, the cookie still names the id) as soon as
  // the 503 is sent — and Redis, merely slow, carries out the DEL.
  it('when Redis is slow enough for the read to time out, then the request gets 503 and the session is still there afterwards', async () => {
    const app = buildApp(deps);
    const created = await request(app).post('/api/v1/stateful/sessions').expect(201);
    const cookie = created.headers['set-cookie']![0]!.split(';')[0]!;
    const sessionKey = `${deps.config.redisKeyPrefix}sess:${created.body.sessionId}`;

    proxy.setMode({ kind: 'latency', ms: 1_500 });
    const slow = await request(app).get('/api/v1/stateful/sessions/current').set('cookie', cookie);
    expect(slow.status).toBe(503);
    expect(slow.body.error.code).toBe('REDIS_UNAVAILABLE');
    // Give any command the replica sent after the 503 time to cross the slow link and land.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    proxy.setMode({ kind: 'pass' });

    expect(await direct.exists(sessionKey)).toBe(1);
    const after = await request(app).get('/api/v1/stateful/sessions/current').set('cookie', cookie).expect(200);
    expect(after.body.sessionId).toBe(created.body.sessionId);
  });
});
