// Prisma 7 loads a WebAssembly query compiler (~60–75 MB of RSS) on its first query. A replica
// that only answers probes, sessions and counters must never load it (src/infra/database.ts):
// the readiness probe, the audit row, the boot-time seed check and the seed itself are plain SQL. The module
// that carries the compiler is observed, not replaced: the real one is returned.
import request from 'supertest';
import { seedIfEmpty, seedNeeded } from '../../src/boot/seed';
import { buildApp, cookieFrom, openTestDeps, type TestDeps } from '../support/test-app';

const mockCompilerLoads: string[] = [];
jest.mock('@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.js', () => {
  mockCompilerLoads.push(new Error().stack ?? '');
  return jest.requireActual('@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.js');
});

let deps: TestDeps;

beforeAll(async () => {
  deps = await openTestDeps();
});
afterAll(() => deps.close());

async function auditActions(sessionId: string): Promise<string[]> {
  const { rows } = await deps.pool.query<{ action: string }>('SELECT action FROM audit_log WHERE session_id = $1 ORDER BY id', [sessionId]);
  return rows.map((r) => r.action);
}

/** seedIfEmpty as a booting replica runs it: on one connection of its own (a transaction). */
async function seed(): Promise<{ seeded: boolean }> {
  const client = await deps.pool.connect();
  try {
    return await seedIfEmpty(client);
  } finally {
    client.release();
  }
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i += 1) {
    const value = await read();
    if (done(value) || i >= 50) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("Prisma's query compiler stays out of a replica until a route needs it", () => {
  it('when a replica answers /ready, sessions, counters, the seed check and seeds an empty database, then the compiler is never loaded; the catalogue loads it', async () => {
    const app = buildApp(deps);
    expect((await request(app).get('/ready')).body).toMatchObject({ status: 'ready', checks: { database: 'up' } });

    const created = await request(app).post('/api/v1/stateful/sessions').expect(201);
    const cookie = cookieFrom(created.headers['set-cookie'], 'statelab.sid');
    await request(app).get('/api/v1/stateful/sessions/current').set('Cookie', cookie).expect(200);
    await request(app).post('/api/v1/stateful/counter/atomic').set('Cookie', cookie).expect(200);
    await request(app).delete(`/api/v1/stateful/sessions/${created.body.sessionId}`).set('Cookie', cookie).expect(204);
    // The audit rows are written after the answer (not awaited): wait for both.
    expect(await eventually(() => auditActions(created.body.sessionId), (a) => a.length === 2)).toEqual(['SESSION_CREATED', 'SESSION_DESTROYED']);
    expect(await seedNeeded(deps.pool)).toBe(false);
    // The replica that finds the database empty seeds it at boot: in plain SQL too.
    await deps.pool.query('DELETE FROM products');
    expect(await seedNeeded(deps.pool)).toBe(true);
    expect(await seed()).toEqual({ seeded: true });
    expect(mockCompilerLoads).toEqual([]);

    const page = await request(app).get('/api/v1/stateless/products?limit=50').expect(200);
    expect(mockCompilerLoads).toHaveLength(1);
    // What the plain INSERTs wrote is what the Prisma model reads.
    expect(page.body.items).toHaveLength(50);
    expect(page.body.items[0]).toMatchObject({ sku: 'SL-0001', name: 'Sturdy Kettle', stock: 37 });
  });

  it('when a demo user has lost its password, then the seed check says so and seeding mends it', async () => {
    await deps.pool.query(`UPDATE users SET password_hash = NULL WHERE email = 'ada@statelab.test'`);
    expect(await seedNeeded(deps.pool)).toBe(true);
    expect(await seed()).toEqual({ seeded: false });
    expect(await seedNeeded(deps.pool)).toBe(false);
  });

  it('when the audit row is read back through Prisma, then the plain INSERT filled the model it belongs to', async () => {
    const created = await request(buildApp(deps)).post('/api/v1/local/sessions').expect(201);
    const row = await eventually(
      () => deps.prisma.auditLog.findFirst({ where: { sessionId: created.body.sessionId } }),
      (r) => r !== null,
    );
    expect(row).toMatchObject({ action: 'SESSION_CREATED', store: 'memory', instance: deps.config.instanceId, actor: null, details: null });
    expect(row?.at).toBeInstanceOf(Date);
  });
});
