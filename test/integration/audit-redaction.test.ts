// Before issue 19 the audit log named a login session by its id, which was the whole credential
// (the cookie's value), in rows kept forever and copied into every backup. The migration that
// introduced public handles blanks those targets; this runs it on rows written the old way.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openTestDeps, type TestDeps } from '../support/test-app';

const migrations = path.resolve(__dirname, '../../prisma/migrations');

let deps: TestDeps;
beforeAll(async () => {
  deps = await openTestDeps();
});
afterAll(() => deps.close());

describe('the migration to login session handles', () => {
  it('when it runs on an audit log written the old way, then every login session id is gone and every other target stays', async () => {
    const folder = readdirSync(migrations).find((name) => name.endsWith('_login_session_handles'));
    expect(folder).toBeDefined();
    const sql = readFileSync(path.join(migrations, folder!, 'migration.sql'), 'utf8');

    const sessionId = 'Q2hhbmdlIG1lOiB0aGlzIHdhcyBhIGNyZWRlbnRpYWw'; // 43 base64url characters, as randomBytes(32) gave
    const jti = '7b0e4c1a-5d2f-4e8b-9a61-3c9f2d7e8a10';
    const rows: [string, string, object][] = [
      ['LOGIN', sessionId, { mode: 'session' }],
      ['LOGOUT', sessionId, { via: 'session' }],
      ['ADMIN_SESSION_READ', sessionId, { found: true }],
      ['ADMIN_SESSION_REVOKED', sessionId, { existed: true }],
      ['LOGIN', jti, { mode: 'token' }],
      ['LOGOUT', jti, { via: 'token' }],
      ['API_KEY_CREATED', '0123456789ab', { scope: 'read' }],
    ];
    for (const [action, target, details] of rows) {
      await deps.pool.query(`INSERT INTO audit_log (action, actor, target, details, instance) VALUES ($1::"AuditAction", 'user:x', $2, $3::jsonb, 'old')`, [
        action,
        target,
        JSON.stringify(details),
      ]);
    }
    await deps.pool.query(sql);

    const after = (await deps.pool.query(`SELECT action::text, target FROM audit_log WHERE instance = 'old' ORDER BY id`)).rows;
    expect(after).toEqual([
      { action: 'LOGIN', target: null },
      { action: 'LOGOUT', target: null },
      { action: 'ADMIN_SESSION_READ', target: null },
      { action: 'ADMIN_SESSION_REVOKED', target: null },
      { action: 'LOGIN', target: jti },
      { action: 'LOGOUT', target: jti },
      { action: 'API_KEY_CREATED', target: '0123456789ab' },
    ]);
  });
});
