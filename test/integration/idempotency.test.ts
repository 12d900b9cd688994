import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { createRedisBackend } from '../../src/features/stateful/redis-backend';
import { sessionService } from '../../src/features/stateful/stateful.service';
import { findFreePort as freePort } from '../../scripts/lib/private-services.mjs';
import { buildApp, cookieFrom, openTestDeps, type TestDeps } from '../support/test-app';

const COOKIE = 'statelab.sid';
const ATOMIC = '/api/v1/stateful/counter/atomic';
const CONVERSATIONS = '/api/v1/stateful/conversations';

let deps: TestDeps;
let appA: ReturnType<typeof buildApp>;
let appB: ReturnType<typeof buildApp>;

beforeAll(async () => {
  // A generous dependency timeout: the in-flight test holds a PostgreSQL lock for a moment.
  deps = await openTestDeps({ env: { DEPENDENCY_TIMEOUT_MS: '3000' } });
  // Two replicas on one Redis, as behind nginx: a retry may land on either.
  appA = buildApp(deps, 'replica-a');
  appB = buildApp(deps, 'replica-b');
});
afterAll(() => deps.close());

async function session(app = appA): Promise<{ cookie: string; id: string }> {
  const res = await request(app).post('/api/v1/stateful/sessions').expect(201);
  return { cookie: cookieFrom(res.headers['set-cookie'], COOKIE), id: res.body.sessionId as string };
}

async function counter(cookie: string): Promise<number> {
  return (await request(appA).get('/api/v1/stateful/counter').set('Cookie', cookie).expect(200)).body.atomic as number;
}

describe('a repeated request with the same Idempotency-Key', () => {
  it('when an increment is sent twice (to two replicas), then the second answer is the first replayed and the counter moved once', async () => {
    const { cookie } = await session();
    const key = randomUUID();
    const first = await request(appA).post(ATOMIC).set('Cookie', cookie).set('Idempotency-Key', key).expect(200);
    const second = await request(appB).post(ATOMIC).set('Cookie', cookie).set('Idempotency-Key', key).expect(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await counter(cookie)).toBe(1);
  });

  it('when the key is sent as the draft writes it (a quoted sf-string), then it is the same key as bare', async () => {
    const { cookie } = await session();
    const key = randomUUID();
    await request(appA).post(ATOMIC).set('Cookie', cookie).set('Idempotency-Key', `"${key}"`).expect(200);
    const again = await request(appA).post(ATOMIC).set('Cookie', cookie).set('Idempotency-Key', key).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await counter(cookie)).toBe(1);
  });

  it('when two clients at different addresses create a session under the same key, then each gets its own session and cookie', async () => {
    // The attack measured in issue 19: client B sends the key client A used and must not get A's session.
    const key = randomUUID();
    const a = await request(appA).post('/api/v1/stateful/sessions').set('X-Forwarded-For', '10.19.5.1').set('Idempotency-Key', key).expect(201);
    const b = await request(appB).post('/api/v1/stateful/sessions').set('X-Forwarded-For', '10.19.9.1').set('Idempotency-Key', key).expect(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.sessionId).not.toBe(a.body.sessionId);
    expect(cookieFrom(b.headers['set-cookie'], COOKIE)).not.toBe(cookieFrom(a.headers['set-cookie'], COOKIE));
  });

  it('when a session creation is sent again with its key from the same address, then it runs again: a cookie is a credential and is never stored or replayed', async () => {
    const key = randomUUID();
    const first = await request(appA).post('/api/v1/stateful/sessions').set('X-Forwarded-For', '10.19.5.2').set('Idempotency-Key', key).expect(201);
    const again = await request(appB).post('/api/v1/stateful/sessions').set('X-Forwarded-For', '10.19.5.2').set('Idempotency-Key', key).expect(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.sessionId).not.toBe(first.body.sessionId);
    const stored = await deps.redis.keys(`${deps.config.redisKeyPrefix}idem:*${key}`);
    for (const record of await Promise.all(stored.map((k) => deps.redis.get(k)))) expect(record ?? '').not.toMatch(/set-cookie|statelab\.sid/i);
    const cookie = cookieFrom(again.headers['set-cookie'], COOKIE);
    const current = await request(appB).get('/api/v1/stateful/sessions/current').set('Cookie', cookie).expect(200);
    expect(current.body.sessionId).toBe(again.body.sessionId);
  });

  it('when a keyed request that refreshes the session cookie is replayed, then the replay carries no Set-Cookie', async () => {
    const { cookie } = await session();
    const key = randomUUID();
    const first = await request(appA).post('/api/v1/stateful/counter/naive').set('Cookie', cookie).set('Idempotency-Key', key).expect(200);
    expect(first.headers['set-cookie']).toBeDefined();
    const replay = await request(appB).post('/api/v1/stateful/counter/naive').set('Cookie', cookie).set('Idempotency-Key', key).expect(200);
    expect([replay.headers['idempotent-replayed'], replay.headers['set-cookie'], replay.body]).toEqual(['true', undefined, first.body]);
  });

  it('when two sessions happen to use the same key, then each gets its own outcome (keys are scoped per session)', async () => {
    const a = await session();
    const b = await session();
    const key = randomUUID();
    await request(appA).post(ATOMIC).set('Cookie', a.cookie).set('Idempotency-Key', key).expect(200);
    const other = await request(appA).post(ATOMIC).set('Cookie', b.cookie).set('Idempotency-Key', key).expect(200);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect([await counter(a.cookie), await counter(b.cookie)]).toEqual([1, 1]);
  });

  it('when no key is sent, then every POST runs (the old behaviour)', async () => {
    const { cookie } = await session();
    await request(appA).post(ATOMIC).set('Cookie', cookie).expect(200);
    await request(appA).post(ATOMIC).set('Cookie', cookie).expect(200);
    expect(await counter(cookie)).toBe(2);
  });

  it('when a keyed POST goes to the /local routes, then the key is ignored: their state is not in Redis', async () => {
    const created = await request(appA).post('/api/v1/local/sessions').expect(201);
    const cookie = cookieFrom(created.headers['set-cookie'], 'statelab.local.sid');
    const key = randomUUID();
    await request(appA).post('/api/v1/local/counter/atomic').set('Cookie', cookie).set('Idempotency-Key', key).expect(200);
    const again = await request(appA).post('/api/v1/local/counter/atomic').set('Cookie', cookie).set('Idempotency-Key', key).expect(200);
    expect(again.body.value).toBe(2);
  });
});

describe('a key used for a different request', () => {
  it('when the same key comes with another body, then 422 IDEMPOTENCY_KEY_MISMATCH and nothing runs', async () => {
    const { cookie } = await session();
    const key = randomUUID();
    await request(appA).post(CONVERSATIONS).set('Cookie', cookie).set('Idempotency-Key', key).send({ text: 'hello' }).expect(201);
    const other = await request(appB).post(CONVERSATIONS).set('Cookie', cookie).set('Idempotency-Key', key).send({ text: 'bye' }).expect(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    const current = await request(appA).get('/api/v1/stateful/sessions/current').set('Cookie', cookie).expect(200);
    expect(current.body.messageCount).toBe(1);
  });

  it('when the same key comes on another route, then 422 too', async () => {
    const { cookie } = await session();
    const key = randomUUID();
    await request(appA).post(ATOMIC).set('Cookie', cookie).set('Idempotency-Key', key).expect(200);
    const naive = await request(appA).post('/api/v1/stateful/counter/naive').set('Cookie', cookie).set('Idempotency-Key', key).expect(422);
    expect(naive.body.error.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
  });

  it('when the same body comes with its fields in another order, then it is the same request (and a 4xx is replayed too)', async () => {
    const { cookie } = await session();
    const key = randomUUID();
    // An unknown field makes this a 400; the draft replays errors like successes.
    const first = await request(appA).post(CONVERSATIONS).set('Cookie', cookie).set('Idempotency-Key', key).send({ text: 'a', mood: 'b' }).expect(400);
    const again = await request(appA).post(CONVERSATIONS).set('Cookie', cookie).set('Idempotency-Key', key).type('json').send(' {"mood":"b", "text":"a"}').expect(400);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });
});

describe('a malformed key', () => {
  it.each([
    ['too short', 'abc'],
    ['sixteen characters that are not a UUID', 'aaaaaaaaaaaaaaaa'],
    ['a word-like key', 'key-0123456789abcdef'],
    ['a UUID with a character too many', `${randomUUID()}0`],
    ['two keys in one request', `${randomUUID()}, ${randomUUID()}`],
    ['characters outside the format', 'key with spaces and more'],
    ['a quote on one side only', `"${randomUUID()}`],
  ])('when the key is %s, then 400 IDEMPOTENCY_KEY_INVALID and nothing runs', async (_what, key) => {
    const { cookie } = await session();
    const res = await request(appA).post(ATOMIC).set('Cookie', cookie).set('Idempotency-Key', key).expect(400);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_INVALID');
    expect(await counter(cookie)).toBe(0);
  });
});

describe('a request still in progress, and one that failed', () => {
  let locker: Client;
  let observer: Client;
  beforeEach(async () => {
    locker = new Client({ connectionString: deps.config.databaseUrl });
    observer = new Client({ connectionString: deps.config.databaseUrl });
    await Promise.all([locker.connect(), observer.connect()]);
  });
  afterEach(() => Promise.all([locker.end(), observer.end()]));

  /** Makes every INSERT into messages wait on a table lock until the returned release() runs. */
  async function blockMessages(): Promise<() => Promise<void>> {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await locker.query('COMMIT');
    };
  }

  /** Resolves once an INSERT into messages is waiting on that lock (the request is mid-flight). */
  async function insertIsWaiting(): Promise<void> {
    for (let i = 0; i < 250; i++) {
      const { rows } = await observer.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO%messages%'",
      );
      if (rows[0].n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('no INSERT ever waited on the lock');
  }

  it('when the same key arrives while the first request runs, then 409 IDEMPOTENCY_KEY_IN_USE with Retry-After, and the first completes', async () => {
    const { cookie } = await session();
    const key = randomUUID();
    const release = await blockMessages();
    const first = request(appA).post(CONVERSATIONS).set('Cookie', cookie).set('Idempotency-Key', key).send({ text: 'slow' }).then((r) => r);
    await insertIsWaiting();
    const duplicate = await request(appB).post(CONVERSATIONS).set('Cookie', cookie).set('Idempotency-Key', key).send({ text: 'slow' });
    await release();
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(duplicate.headers['retry-after']).toBe('1');
    const done = await first;
    expect(done.status).toBe(201);
    const replay = await request(appB).post(CONVERSATIONS).set('Cookie', cookie).set('Idempotency-Key', key).send({ text: 'slow' }).expect(201);
    expect(replay.body.message.id).toBe(done.body.message.id);
  });

  it('when the first attempt ends in a 5xx, then the key is released, a retry runs, and the late INSERT is not doubled', async () => {
    // A replica that gives up on PostgreSQL after 300 ms: the 503 comes while the INSERT waits.
    const impatient = buildApp({ ...deps, config: { ...deps.config, dependencyTimeoutMs: 300 } }, 'replica-impatient');
    const { cookie, id } = await session();
    const key = randomUUID();
    const release = await blockMessages();
    const failed = await request(impatient).post(CONVERSATIONS).set('Cookie', cookie).set('Idempotency-Key', key).send({ text: 'late' });
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('DATABASE_UNAVAILABLE');
    // The lock goes away; the INSERT the client was told had failed now commits after all.
    await release();
    const retry = await request(appA).post(CONVERSATIONS).set('Cookie', cookie).set('Idempotency-Key', key).send({ text: 'late' }).expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const history = await request(appA).get(`/api/v1/stateful/sessions/${id}/history`).set('Cookie', cookie).expect(200);
    expect(history.body.messages.filter((m: { text: string }) => m.text === 'late')).toHaveLength(1);
  });
});

describe('how long a key is remembered', () => {
  it('when IDEMPOTENCY_TTL_SECONDS have passed, then the same key runs the request again', async () => {
    const forgetful = buildApp({ ...deps, config: { ...deps.config, idempotencyTtlSeconds: 1 } }, 'replica-ttl');
    const { cookie } = await session();
    const key = randomUUID();
    const send = () => request(forgetful).post(ATOMIC).set('Cookie', cookie).set('Idempotency-Key', key).expect(200);
    expect((await send()).body.value).toBe(1);
    const replay = await send();
    expect([replay.body.value, replay.headers['idempotent-replayed']]).toEqual([1, 'true']);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const fresh = await send();
    expect([fresh.body.value, fresh.headers['idempotent-replayed']]).toEqual([2, undefined]);
  });
});

describe('effects that remember their key (the re-run after a crash)', () => {
  it('when a keyed increment runs twice, then it adds one once and returns the first value both times', async () => {
    const counters = createRedisBackend(deps.config, deps.redis).counters;
    const sessionId = randomUUID();
    const key = randomUUID();
    expect(await counters.increment(sessionId, key)).toBe(1);
    expect(await counters.increment(sessionId, key)).toBe(1);
    expect(await counters.read(sessionId)).toBe(1);
  });

  it('when a keyed message is persisted twice, then there is one row; another text under that key is a mismatch', async () => {
    const service = sessionService({ prisma: deps.prisma, instance: 'test', timeoutMs: 3000 });
    const sessionId = randomUUID();
    const key = randomUUID();
    const first = await service.persistMessage(sessionId, 'test', 'once', key);
    const again = await service.persistMessage(sessionId, 'test', 'once', key);
    expect(again.id).toBe(first.id);
    expect(await service.history(sessionId)).toHaveLength(1);
    await expect(service.persistMessage(sessionId, 'test', 'other', key)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_MISMATCH' });
  });
});

describe('when Redis is down', () => {
  it('then a keyed POST answers 503 REDIS_UNAVAILABLE quickly', async () => {
    const down = await openTestDeps({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
    try {
      const started = Date.now();
      const res = await request(buildApp(down)).post('/api/v1/stateful/sessions').set('Idempotency-Key', randomUUID());
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('REDIS_UNAVAILABLE');
      // The failure rules' "about one second"; the margin absorbs a busy 2-core machine.
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      await down.close();
    }
  });
});
