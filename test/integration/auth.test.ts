import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import request from 'supertest';
import { loadConfig } from '../../src/config/config';
import { seedPassword } from '../../src/boot/seed';
import { buildApp, cookieFrom, openTestDeps, type TestDeps } from '../support/test-app';

const OLD = 'k-old=' + 'o'.repeat(32);
const NEW = 'k-new=' + 'n'.repeat(32);
const ada = { email: 'ada@statelab.test', password: seedPassword('ada@statelab.test') };

let deps: TestDeps;
beforeAll(async () => {
  deps = await openTestDeps();
});
afterAll(() => deps.close());

/** Audit rows matching `where`; they are written after the response, so wait a moment for them. */
async function auditRows(where: { action: 'LOGIN' | 'LOGOUT'; target: string }) {
  let rows = await deps.prisma.auditLog.findMany({ where });
  for (let i = 0; i < 20 && rows.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    rows = await deps.prisma.auditLog.findMany({ where });
  }
  return rows;
}

/** A replica on the shared deps with other key settings. */
function replica(id: string, env: Record<string, string>) {
  const config = { ...deps.config, ...pick(loadConfig({ ...env, NODE_ENV: 'test' })) };
  return buildApp({ ...deps, config }, id);
}
function pick(c: ReturnType<typeof loadConfig>) {
  return { jwtKeys: c.jwtKeys, jwtDenylist: c.jwtDenylist, jwtTtlSeconds: c.jwtTtlSeconds, labSwitches: c.labSwitches };
}

async function tokenFrom(app: ReturnType<typeof buildApp>): Promise<string> {
  const res = await request(app).post('/api/v1/auth/login').send({ ...ada, mode: 'token' }).expect(201);
  return res.body.token as string;
}

describe('login', () => {
  it('when the seeded password is right, then a session login sets an HttpOnly cookie and writes an audit row', async () => {
    const app = buildApp(deps, 'replica-a');
    const res = await request(app).post('/api/v1/auth/login').send({ ...ada, mode: 'session' }).expect(201);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(String(res.headers['set-cookie'])).toMatch(/statelab\.login=[0-9a-f]{16}\.[\w-]{43}; Max-Age=\d+; Path=\/; Expires=.*; HttpOnly; SameSite=Lax/);
    const me = await request(app).get('/api/v1/auth/me').set('Cookie', cookieFrom(res.headers['set-cookie'], 'statelab.login')).expect(200);
    expect(me.body).toMatchObject({ via: 'session', user: { email: ada.email }, sessionHandle: res.body.sessionHandle, instance: 'replica-a' });
    // The audit row is written after the response (a PostgreSQL outage must not block logins).
    const rows = await auditRows({ action: 'LOGIN', target: res.body.sessionHandle });
    expect(rows).toEqual([expect.objectContaining({ actor: `user:${ada.email}`, instance: 'replica-a', details: { mode: 'session' } })]);
  });

  it('when a session login answers, then its credential is in no body, no audit row and not in Redis: the body and the log name a public handle', async () => {
    const app = buildApp(deps, 'replica-a');
    const res = await request(app).post('/api/v1/auth/login').send({ ...ada, mode: 'session' }).expect(201);
    const credential = cookieFrom(res.headers['set-cookie'], 'statelab.login').slice('statelab.login='.length);
    const secret = credential.slice(credential.indexOf('.') + 1);
    expect(res.body.sessionHandle).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(res.body)).not.toContain(secret);
    const me = await request(app).get('/api/v1/auth/me').set('Cookie', `statelab.login=${credential}`).expect(200);
    expect(JSON.stringify(me.body)).not.toContain(secret);
    await request(app).post('/api/v1/auth/logout').set('Cookie', `statelab.login=${credential}`).expect(204);
    const rows = await auditRows({ action: 'LOGOUT', target: res.body.sessionHandle });
    expect(rows).toHaveLength(1);
    const everyRow = JSON.stringify(await deps.prisma.auditLog.findMany(), (_key, value) => (typeof value === 'bigint' ? String(value) : value));
    expect(everyRow).not.toContain(secret);
    // Redis keeps a hash of the secret: a copy of its keyspace (a backup) logs nobody in.
    const stored = await deps.redis.keys(`${deps.config.redisKeyPrefix}*`);
    const values = await Promise.all(stored.map((key) => deps.redis.type(key).then((type) => (type === 'string' ? deps.redis.get(key) : ''))));
    expect([...stored, ...values].join('\n')).not.toContain(secret);
  });

  it('when the login cookie is a handle with a wrong secret, then it proves nothing: 401 NOT_AUTHENTICATED', async () => {
    const app = buildApp(deps, 'replica-a');
    const res = await request(app).post('/api/v1/auth/login').send({ ...ada, mode: 'session' }).expect(201);
    const forged = `statelab.login=${String(res.body.sessionHandle)}.${'A'.repeat(43)}`;
    const me = await request(app).get('/api/v1/auth/me').set('Cookie', forged).expect(401);
    expect(me.body.error.code).toBe('NOT_AUTHENTICATED');
  });

  it('when the email is unknown or the password wrong, then 401 INVALID_CREDENTIALS both times', async () => {
    const app = buildApp(deps);
    for (const body of [{ ...ada, password: 'wrong' }, { email: 'nobody@statelab.test', password: 'x' }]) {
      const res = await request(app).post('/api/v1/auth/login').send(body).expect(401);
      expect(res.body).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'Unknown email or wrong password' } });
    }
  });
});

describe('signing keys rotated by kid', () => {
  it('when the old key is kept after a new one, then old tokens still verify; when it is dropped, they are refused', async () => {
    const oldToken = await tokenFrom(replica('old', { JWT_KEYS: OLD }));
    await request(replica('both', { JWT_KEYS: `${NEW},${OLD}` })).get('/api/v1/auth/me').set('Authorization', `Bearer ${oldToken}`).expect(200);
    const newToken = await tokenFrom(replica('both', { JWT_KEYS: `${NEW},${OLD}` }));
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'HS256', kid: 'k-new' });
    const refused = await request(replica('new', { JWT_KEYS: NEW })).get('/api/v1/auth/me').set('Authorization', `Bearer ${oldToken}`).expect(401);
    expect(refused.body.error.code).toBe('TOKEN_INVALID');
  });

  it('when a token has expired or is signed with a guessed key under a known kid, then 401 TOKEN_INVALID', async () => {
    const app = replica('r', { JWT_KEYS: OLD });
    const sign = (secret: string, exp: number) =>
      new SignJWT({ email: ada.email, name: 'Ada' })
        .setProtectedHeader({ alg: 'HS256', kid: 'k-old' })
        .setSubject('1').setJti('j').setIssuer('statelab').setAudience('statelab-api').setExpirationTime(exp)
        .sign(createSecretKey(Buffer.from(secret)));
    const now = Math.floor(Date.now() / 1000);
    for (const token of [await sign('o'.repeat(32), now - 10), await sign('g'.repeat(32), now + 60)]) {
      const res = await request(app).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
      expect(res.body.error.code).toBe('TOKEN_INVALID');
    }
  });
});

describe('logout', () => {
  it('when JWT_DENYLIST=true, then a token logged out on replica A is refused by replica B without any query flag', async () => {
    const a = replica('a', { JWT_KEYS: OLD, JWT_DENYLIST: 'true' });
    const b = replica('b', { JWT_KEYS: OLD, JWT_DENYLIST: 'true' });
    const lax = replica('c', { JWT_KEYS: OLD, JWT_DENYLIST: 'false' });
    const token = await tokenFrom(a);
    await request(a).post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    const res = await request(b).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body.error.code).toBe('TOKEN_REVOKED');
    // The lesson: a replica that does not consult the denylist still accepts it.
    await request(lax).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
  });
});

describe('the denylist switch of lesson 9', () => {
  it('when a client asks ?denylist=off of a replica that checks the denylist, then 403 LAB_SWITCH_DISABLED: no client may skip revocation', async () => {
    const strict = replica('strict', { JWT_KEYS: OLD, JWT_DENYLIST: 'true' });
    const token = await tokenFrom(strict);
    await request(strict).post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    const res = await request(strict).get('/api/v1/auth/me?denylist=off').set('Authorization', `Bearer ${token}`).expect(403);
    expect(res.body.error.code).toBe('LAB_SWITCH_DISABLED');
    const on = await request(strict).get('/api/v1/auth/me?denylist=on').set('Authorization', `Bearer ${token}`).expect(401);
    expect(on.body.error.code).toBe('TOKEN_REVOKED');
  });

  it('when the cluster is a lab (LAB_SWITCHES=true), then ?denylist=off shows the lesson: the revoked token still passes', async () => {
    const lab = replica('lab', { JWT_KEYS: OLD, JWT_DENYLIST: 'true', LAB_SWITCHES: 'true' });
    const token = await tokenFrom(lab);
    await request(lab).post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    const res = await request(lab).get('/api/v1/auth/me?denylist=off').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toMatchObject({ via: 'token', denylistChecked: false });
  });
});

describe('password guessing', () => {
  it('when one address fails LOGIN_FAILURES_MAX times, then its next attempt is 429 even with the right password; successes do not count', async () => {
    const app = replica('guard', {});
    const from = (ip: string) => request(app).post('/api/v1/auth/login').set('X-Forwarded-For', ip);
    for (let i = 0; i < 12; i++) await from('10.9.9.1').send(ada).expect(201);
    for (let i = 0; i < 10; i++) await from('10.9.9.2').send({ ...ada, password: 'guess' }).expect(401);
    const limited = await from('10.9.9.2').send(ada).expect(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    await from('10.9.9.3').send(ada).expect(201);
  });
});
