import request from 'supertest';
import { createApiKey, revokeApiKey } from '../../src/features/admin/api-keys';
import { seedPassword } from '../../src/boot/seed';
import { buildApp, openTestDeps, type TestDeps } from '../support/test-app';

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
    const res = await request(app).delete(`/api/v1/admin/sessions/${'a'.repeat(43)}`).set('X-API-Key', key).expect(403);
    expect(res.body.error).toMatchObject({ code: 'API_KEY_SCOPE', details: { needed: 'write', has: 'read' } });
    expect(await lastAudit()).toMatchObject({ action: 'ADMIN_SCOPE_DENIED', actor: `key:${id}` });
  });
});

describe('sessions and the audit log', () => {
  it('when many students are logged in, then SCAN pages list each exactly once, and the audit log pages newest first', async () => {
    const { key } = await createApiKey(deps.prisma, 'write', 'instructor');
    const ids: string[] = [];
    for (const email of ['ada@statelab.test', 'alan@statelab.test', 'grace@statelab.test', 'edsger@statelab.test', 'barbara@statelab.test']) {
      const res = await request(app).post('/api/v1/auth/login').send({ email, password: seedPassword(email) }).expect(201);
      ids.push(res.body.sessionId as string);
    }
    const seen: string[] = [];
    let cursor: string | null = '0';
    // The test Redis is shared: SCAN walks every key there, so follow the cursor as far as it goes.
    for (let page = 0; cursor !== null && page < 10_000; page++) {
      const res: request.Response = await request(app).get(`/api/v1/admin/sessions?cursor=${cursor}&count=100`).set('X-API-Key', key).expect(200);
      seen.push(...(res.body.items as { sessionId: string }[]).map((s) => s.sessionId));
      cursor = res.body.nextCursor as string | null;
    }
    expect(seen.sort()).toEqual([...ids].sort());

    const first = await request(app).get('/api/v1/admin/audit?limit=3').set('X-API-Key', key).expect(200);
    const second = await request(app).get(`/api/v1/admin/audit?limit=3&before=${first.body.nextCursor}`).set('X-API-Key', key).expect(200);
    const pageIds = [...first.body.items, ...second.body.items].map((i: { id: string }) => Number(i.id));
    expect(pageIds).toEqual([...pageIds].sort((x, y) => y - x));
    expect(new Set(pageIds).size).toBe(6);
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
