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

/** A replica on the shared deps with other key settings. */
function replica(id: string, env: Record<string, string>) {
  const config = { ...deps.config, ...pick(loadConfig({ ...env, NODE_ENV: 'test' })) };
  return buildApp({ ...deps, config }, id);
}
function pick(c: ReturnType<typeof loadConfig>) {
  return { jwtKeys: c.jwtKeys, jwtDenylist: c.jwtDenylist, jwtTtlSeconds: c.jwtTtlSeconds };
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
    expect(String(res.headers['set-cookie'])).toMatch(/statelab\.login=[\w-]{43}; Max-Age=\d+; Path=\/; Expires=.*; HttpOnly; SameSite=Lax/);
    const me = await request(app).get('/api/v1/auth/me').set('Cookie', cookieFrom(res.headers['set-cookie'], 'statelab.login')).expect(200);
    expect(me.body).toMatchObject({ via: 'session', user: { email: ada.email }, instance: 'replica-a' });
    // The audit row is written after the response (a PostgreSQL outage must not block logins).
    let rows = await deps.prisma.auditLog.findMany({ where: { action: 'LOGIN', target: res.body.sessionId } });
    for (let i = 0; i < 20 && rows.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await deps.prisma.auditLog.findMany({ where: { action: 'LOGIN', target: res.body.sessionId } });
    }
    expect(rows).toEqual([expect.objectContaining({ actor: `user:${ada.email}`, instance: 'replica-a', details: { mode: 'session' } })]);
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
