import request from 'supertest';
import { buildApp, cookieFrom, openTestDeps, type TestDeps } from '../support/test-app';

const COOKIE = 'statelab.sid';
let deps: TestDeps;
let appA: ReturnType<typeof buildApp>;
let appB: ReturnType<typeof buildApp>;

beforeAll(async () => {
  deps = await openTestDeps();
  // Two replicas sharing one Redis and one PostgreSQL, as behind nginx.
  appA = buildApp(deps, 'replica-a');
  appB = buildApp(deps, 'replica-b');
});
afterAll(() => deps.close());

async function createSession(app = appA) {
  const res = await request(app).post('/api/v1/stateful/sessions').expect(201);
  return { res, cookie: cookieFrom(res.headers['set-cookie'], COOKIE), id: res.body.sessionId as string };
}

describe('connect-redis 8.1 with ioredis 6', () => {
  it('when a session is created, then its JSON is written to Redis under our prefix with a TTL', async () => {
    const { id } = await createSession();
    const key = `${deps.config.redisKeyPrefix}sess:${id}`;
    const stored = JSON.parse((await deps.redis.get(key))!);
    expect(stored).toMatchObject({ createdBy: 'replica-a', messageCount: 0, naiveCounter: 0 });
    const ttl = await deps.redis.ttl(key);
    expect(ttl).toBeGreaterThan(deps.config.sessionTtlSeconds - 60);
  });
});

describe('POST /api/v1/stateful/sessions', () => {
  it('when called, then 201 with an HttpOnly, SameSite=Lax cookie and no Secure flag over plain HTTP', async () => {
    const { res } = await createSession();
    expect(res.body).toMatchObject({ createdBy: 'replica-a', instance: 'replica-a' });
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).join('\n');
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);
  });

  it('when the proxy says the request came over TLS, then the cookie is Secure', async () => {
    const res = await request(appA).post('/api/v1/stateful/sessions').set('X-Forwarded-Proto', 'https').expect(201);
    expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).join('\n')).toMatch(/; Secure/);
  });

  it('when a client that already has a session creates another, then the id is regenerated and the old one is gone', async () => {
    const first = await createSession();
    const second = await request(appA).post('/api/v1/stateful/sessions').set('Cookie', first.cookie).expect(201);
    expect(second.body.sessionId).not.toBe(first.id);
    expect(await deps.redis.exists(`${deps.config.redisKeyPrefix}sess:${first.id}`)).toBe(0);
  });
});

describe('reading sessions', () => {
  it('when a session created on replica A is read through replica B, then B finds it (Redis is shared)', async () => {
    const { cookie, id } = await createSession(appA);
    const res = await request(appB).get('/api/v1/stateful/sessions/current').set('Cookie', cookie).expect(200);
    expect(res.body).toMatchObject({ sessionId: id, createdBy: 'replica-a', instance: 'replica-b', messageCount: 0 });
  });

  it('when there is no cookie, then 401 NO_SESSION', async () => {
    const res = await request(appA).get('/api/v1/stateful/sessions/current').expect(401);
    expect(res.body.error.code).toBe('NO_SESSION');
  });

  it('when the cookie signature is forged, then 401 NO_SESSION', async () => {
    const { id } = await createSession();
    await request(appA).get('/api/v1/stateful/sessions/current').set('Cookie', `${COOKIE}=s%3A${id}.forged`).expect(401);
  });

  it('when reading my own session by id, then 200; someone else\'s, then 404', async () => {
    const mine = await createSession();
    const theirs = await createSession();
    await request(appA).get(`/api/v1/stateful/sessions/${mine.id}`).set('Cookie', mine.cookie).expect(200);
    const res = await request(appA).get(`/api/v1/stateful/sessions/${theirs.id}`).set('Cookie', mine.cookie).expect(404);
    expect(res.body.error.code).toBe('SESSION_NOT_FOUND');
  });
});

describe('DELETE /api/v1/stateful/sessions/:id', () => {
  it('when deleting my session, then 204, the key is gone from Redis and the cookie is cleared', async () => {
    const { cookie, id } = await createSession();
    const res = await request(appB).delete(`/api/v1/stateful/sessions/${id}`).set('Cookie', cookie).expect(204);
    expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).join('\n')).toMatch(/statelab\.sid=;.*Expires=Thu, 01 Jan 1970/);
    expect(await deps.redis.exists(`${deps.config.redisKeyPrefix}sess:${id}`)).toBe(0);
    await request(appA).get('/api/v1/stateful/sessions/current').set('Cookie', cookie).expect(401);
  });

  it('when creating and deleting, then the audit log records both', async () => {
    const { cookie, id } = await createSession();
    await request(appA).delete(`/api/v1/stateful/sessions/${id}`).set('Cookie', cookie).expect(204);
    // The audit write is deliberately not awaited by the request; give it a moment.
    let actions: string[] = [];
    for (let i = 0; i < 50 && actions.length < 2; i++) {
      actions = (await deps.prisma.auditLog.findMany({ where: { sessionId: id }, orderBy: { id: 'asc' } })).map((r) => r.action);
      if (actions.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(actions).toEqual(['SESSION_CREATED', 'SESSION_DESTROYED']);
  });
});

describe('conversations', () => {
  it('when messages are posted through two replicas, then each shows who created the session and who served it', async () => {
    const { cookie, id } = await createSession(appA);
    const first = await request(appA).post('/api/v1/stateful/conversations').set('Cookie', cookie).send({ text: 'hello' }).expect(201);
    const second = await request(appB).post('/api/v1/stateful/conversations').set('Cookie', cookie).send({ text: 'again' }).expect(201);
    expect(first.body).toMatchObject({ sessionId: id, createdBy: 'replica-a', messageCount: 1, message: { text: 'hello', servedBy: 'replica-a' } });
    expect(second.body).toMatchObject({ sessionId: id, createdBy: 'replica-a', messageCount: 2, message: { text: 'again', servedBy: 'replica-b' } });

    const history = await request(appB).get(`/api/v1/stateful/sessions/${id}/history`).set('Cookie', cookie).expect(200);
    expect(history.body.messages.map((m: { text: string; servedBy: string }) => [m.text, m.servedBy])).toEqual([
      ['hello', 'replica-a'],
      ['again', 'replica-b'],
    ]);
    expect(await deps.prisma.message.count({ where: { sessionId: id } })).toBe(2);
  });

  it('when the text is empty, then 400 and nothing is stored', async () => {
    const { cookie, id } = await createSession();
    const res = await request(appA).post('/api/v1/stateful/conversations').set('Cookie', cookie).send({ text: '   ' }).expect(400);
    expect(res.body.error.details[0].path).toBe('text');
    const current = await request(appA).get('/api/v1/stateful/sessions/current').set('Cookie', cookie).expect(200);
    expect(current.body.messageCount).toBe(0);
    expect(await deps.prisma.message.count({ where: { sessionId: id } })).toBe(0);
  });

  it('when the text holds NUL or a lone surrogate, then 400 naming the field, and nothing is stored', async () => {
    const { cookie, id } = await createSession();
    for (const text of ['a\u0000b', '\ud800', 'ok \udfff']) {
      const res = await request(appA).post('/api/v1/stateful/conversations').set('Cookie', cookie).send({ text }).expect(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'text', message: expect.stringContaining('PostgreSQL') }] });
    }
    expect(await deps.prisma.message.count({ where: { sessionId: id } })).toBe(0);
  });

  it('when the text is unusual but valid Unicode, then it is stored and read back exactly as sent', async () => {
    const { cookie, id } = await createSession();
    // An emoji (a surrogate pair), a combining accent, the last BMP code point, right-to-left override.
    const text = 'x 😀 e\u0301 \uffff \u202eabc';
    await request(appA).post('/api/v1/stateful/conversations').set('Cookie', cookie).send({ text }).expect(201);
    const history = await request(appB).get(`/api/v1/stateful/sessions/${id}/history`).set('Cookie', cookie).expect(200);
    expect(history.body.messages.map((m: { text: string }) => m.text)).toEqual([text]);
  });

  it('when there is no session, then 401 and nothing is stored', async () => {
    await request(appA).post('/api/v1/stateful/conversations').send({ text: 'orphan' }).expect(401);
    expect(await deps.prisma.message.count({ where: { text: 'orphan' } })).toBe(0);
  });

  it('when reading another session\'s history, then 404', async () => {
    const mine = await createSession();
    const theirs = await createSession();
    await request(appA).get(`/api/v1/stateful/sessions/${theirs.id}/history`).set('Cookie', mine.cookie).expect(404);
  });
});

describe('counters under 50 concurrent requests on one session', () => {
  const N = 50;

  async function hammer(path: string, cookie: string) {
    // Spread over both replicas, as nginx would.
    return Promise.all(
      Array.from({ length: N }, (_, i) => request(i % 2 ? appA : appB).post(path).set('Cookie', cookie).expect(200)),
    );
  }

  it('when the naive counter is incremented, then updates are lost: it ends far below 50', async () => {
    const { cookie } = await createSession();
    await hammer('/api/v1/stateful/counter/naive', cookie);
    const { body } = await request(appA).get('/api/v1/stateful/counter').set('Cookie', cookie).expect(200);
    expect(body.naive).toBeGreaterThanOrEqual(1);
    expect(body.naive).toBeLessThan(N / 2);
  });

  it('when the atomic counter is incremented, then it ends at exactly 50 and every value was seen once', async () => {
    const { cookie } = await createSession();
    const responses = await hammer('/api/v1/stateful/counter/atomic', cookie);
    const values = responses.map((r) => r.body.value as number).sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    const { body } = await request(appB).get('/api/v1/stateful/counter').set('Cookie', cookie).expect(200);
    expect(body.atomic).toBe(N);
  });
});

describe('the local (in-memory) store', () => {
  it('when a local session created on replica A is read through replica B, then B does not know it', async () => {
    const created = await request(appA).post('/api/v1/local/sessions').expect(201);
    const cookie = cookieFrom(created.headers['set-cookie'], 'statelab.local.sid');
    await request(appA).get('/api/v1/local/sessions/current').set('Cookie', cookie).expect(200);
    const res = await request(appB).get('/api/v1/local/sessions/current').set('Cookie', cookie).expect(401);
    expect(res.body.error.code).toBe('NO_SESSION');
  });

  it('when a local session is used, then nothing is written to Redis', async () => {
    const created = await request(appA).post('/api/v1/local/sessions').expect(201);
    expect(await deps.redis.exists(`${deps.config.redisKeyPrefix}sess:${created.body.sessionId}`)).toBe(0);
  });

  it('when the local atomic counter is hammered on one replica, then it ends at exactly 50', async () => {
    const created = await request(appA).post('/api/v1/local/sessions').expect(201);
    const cookie = cookieFrom(created.headers['set-cookie'], 'statelab.local.sid');
    await Promise.all(Array.from({ length: 50 }, () => request(appA).post('/api/v1/local/counter/atomic').set('Cookie', cookie).expect(200)));
    const { body } = await request(appA).get('/api/v1/local/counter').set('Cookie', cookie).expect(200);
    expect(body.atomic).toBe(50);
  });
});
