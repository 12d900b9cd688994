import request from 'supertest';
import { createApiKey, revokeApiKey } from '../../src/features/admin/api-keys';
import { seedPassword } from '../../src/boot/seed';
import { buildApp, cookieFrom, openTestDeps, type TestDeps } from '../support/test-app';

let deps: TestDeps;
let app: ReturnType<typeof buildApp>;
beforeAll(async () => {
  deps = await openTestDeps();
  app = buildApp(deps, 'replica-admin');
});
afterAll(() => deps.close());

const lastAudit = () => deps.prisma.auditLog.findFirst({ orderBy: { id: 'desc' } });

describe('API keys', () => {
  it('when a key is created, then only a SHA-256 of its secret is stored', async () => {
    const created = await createApiKey(deps.prisma, 'read', 'test');
    expect(created.key).toMatch(/^slk_[0-9a-f]{12}_[\w-]{43}$/);
    const row = await deps.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(created.key.slice(17));
  });

  it('when the key is missing, malformed, wrong or revoked, then 401 API_KEY_INVALID, each audited with the reason', async () => {
    const created = await createApiKey(deps.prisma, 'write', 'soon revoked');
    const wrongSecret = `${created.key.slice(0, 17)}${'A'.repeat(43)}`;
    const cases: [string | undefined, string][] = [[undefined, 'missing'], ['nope', 'malformed'], [wrongSecret, 'mismatch']];
    for (const [key, reason] of cases) {
      const req = request(app).get('/api/v1/admin/sessions');
      const res = await (key === undefined ? req : req.set('X-API-Key', key)).expect(401);
      expect(res.body).toEqual({ error: { code: 'API_KEY_INVALID', message: 'Missing, unknown or revoked API key' } });
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(await lastAudit()).toMatchObject({ action: 'ADMIN_AUTH_FAILED', instance: 'replica-admin', details: { reason, path: '/api/v1/admin/sessions' } });
    }
    await request(app).get('/api/v1/admin/sessions').set('X-API-Key', created.key).expect(200);
    expect(await revokeApiKey(deps.prisma, created.id)).toBe(true);
    await request(app).get('/api/v1/admin/sessions').set('X-API-Key', created.key).expect(401);
    expect(await lastAudit()).toMatchObject({ action: 'ADMIN_AUTH_FAILED', target: created.id, details: { reason: 'revoked' } });
  });

  it('when a read key asks to revoke a session, then 403 API_KEY_SCOPE, audited', async () => {
    const { key, id } = await createApiKey(deps.prisma, 'read', 'reader');
    const res = await request(app).delete(`/api/v1/admin/sessions/${'a'.repeat(16)}`).set('X-API-Key', key).expect(403);
    expect(res.body.error).toMatchObject({ code: 'API_KEY_SCOPE', details: { needed: 'write', has: 'read' } });
    expect(await lastAudit()).toMatchObject({ action: 'ADMIN_SCOPE_DENIED', actor: `key:${id}` });
  });
});

describe('sessions and the audit log', () => {
  it('when many students are logged in, then SCAN pages list each exactly once by its handle, never its credential, and the audit log pages newest first', async () => {
    const { key } = await createApiKey(deps.prisma, 'write', 'instructor');
    const handles: string[] = [];
    const credentials: string[] = [];
    for (const email of ['ada@statelab.test', 'alan@statelab.test', 'grace@statelab.test', 'edsger@statelab.test', 'barbara@statelab.test']) {
      const res = await request(app).post('/api/v1/auth/login').send({ email, password: seedPassword(email) }).expect(201);
      handles.push(res.body.sessionHandle as string);
      credentials.push(cookieFrom(res.headers['set-cookie'], 'statelab.login').split('.').at(-1)!);
    }
    const seen: string[] = [];
    let cursor: string | null = '0';
    // The test Redis is shared: SCAN walks every key there, so follow the cursor as far as it goes.
    for (let page = 0; cursor !== null && page < 10_000; page++) {
      const res: request.Response = await request(app).get(`/api/v1/admin/sessions?cursor=${cursor}&count=100`).set('X-API-Key', key).expect(200);
      for (const secret of credentials) expect(JSON.stringify(res.body)).not.toContain(secret);
      seen.push(...(res.body.items as { handle: string }[]).map((s) => s.handle));
      cursor = res.body.nextCursor as string | null;
    }
    expect(seen.sort()).toEqual([...handles].sort());
    const one = await request(app).get(`/api/v1/admin/sessions/${handles[0]}`).set('X-API-Key', key).expect(200);
    expect(one.body.session).toMatchObject({ handle: handles[0], email: 'ada@statelab.test' });
    expect(JSON.stringify(one.body)).not.toContain(credentials[0]);

    const first = await request(app).get('/api/v1/admin/audit?limit=3').set('X-API-Key', key).expect(200);
    const second = await request(app).get(`/api/v1/admin/audit?limit=3&before=${first.body.nextCursor}`).set('X-API-Key', key).expect(200);
    const pageIds = [...first.body.items, ...second.body.items].map((i: { id: string }) => Number(i.id));
    expect(pageIds).toEqual([...pageIds].sort((x, y) => y - x));
    expect(new Set(pageIds).size).toBe(6);
  });

  it('when the instructor revokes a login by its handle, then the student is logged out and the row names the handle', async () => {
    const { key } = await createApiKey(deps.prisma, 'write', 'revoker');
    const login = await request(app).post('/api/v1/auth/login').send({ email: 'alan@statelab.test', password: seedPassword('alan@statelab.test') }).expect(201);
    const cookie = cookieFrom(login.headers['set-cookie'], 'statelab.login');
    await request(app).delete(`/api/v1/admin/sessions/${login.body.sessionHandle}`).set('X-API-Key', key).expect(204);
    await request(app).get('/api/v1/auth/me').set('Cookie', cookie).expect(401);
    expect(await lastAudit()).toMatchObject({ action: 'ADMIN_SESSION_REVOKED', target: login.body.sessionHandle, details: { existed: true } });
    await request(app).delete(`/api/v1/admin/sessions/${login.body.sessionHandle}`).set('X-API-Key', key).expect(404);
  });

  it('when the audit row of a revoke cannot be written, then nothing is revoked: no revocation goes unrecorded', async () => {
    const { key } = await createApiKey(deps.prisma, 'write', 'auditless');
    const login = await request(app).post('/api/v1/auth/login').send({ email: 'grace@statelab.test', password: seedPassword('grace@statelab.test') }).expect(201);
    const cookie = cookieFrom(login.headers['set-cookie'], 'statelab.login');
    // This test's own database refuses exactly the revoke's audit row from now on (NOT VALID:
    // earlier rows stay); everything else works.
    await deps.pool.query(`ALTER TABLE audit_log ADD CONSTRAINT test_refuses_revoke_rows CHECK (action <> 'ADMIN_SESSION_REVOKED') NOT VALID`);
    try {
      const res = await request(app).delete(`/api/v1/admin/sessions/${login.body.sessionHandle}`).set('X-API-Key', key);
      expect(res.status).toBeGreaterThanOrEqual(500);
    } finally {
      await deps.pool.query('ALTER TABLE audit_log DROP CONSTRAINT test_refuses_revoke_rows');
    }
    await request(app).get('/api/v1/auth/me').set('Cookie', cookie).expect(200);
  });
});

describe('values PostgreSQL would refuse, sent to the admin API', () => {
  // Each request from its own client address: the key-guessing limit counts every 4xx per address.
  let address = 0;
  const from = () => `10.22.0.${++address}`;

  it('when a query or path parameter is out of range or holds NUL or a lone surrogate, then 400 VALIDATION_FAILED, never a 500', async () => {
    const { key } = await createApiKey(deps.prisma, 'read', 'instructor');
    for (const path of [
      '/api/v1/admin/audit?before=9223372036854775808', // bigint's largest + 1
      '/api/v1/admin/audit?before=%00',
      '/api/v1/admin/audit?limit=%ED%A0%80', // UTF-8 of a lone surrogate: not decodable, kept raw
      '/api/v1/admin/sessions?cursor=1%00',
      '/api/v1/admin/sessions/a%00b',
    ]) {
      const res = await request(app).get(path).set('X-API-Key', key).set('X-Forwarded-For', from());
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
    }
    // The largest bigint is a valid cursor: the bound is PostgreSQL's, not an arbitrary one.
    await request(app).get('/api/v1/admin/audit?before=9223372036854775807').set('X-API-Key', key).set('X-Forwarded-For', from()).expect(200);
  });

  it('when the API key header is 8 KB long, then 401 API_KEY_INVALID, audited', async () => {
    const res = await request(app).get('/api/v1/admin/sessions').set('X-API-Key', `slk_${'k'.repeat(8 * 1024)}`).set('X-Forwarded-For', from());
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 401, code: 'API_KEY_INVALID' });
    expect(await lastAudit()).toMatchObject({ action: 'ADMIN_AUTH_FAILED' });
  });
});
