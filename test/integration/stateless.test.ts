import { createHash } from 'node:crypto';
import request from 'supertest';
import { buildApp, openTestDeps, type TestDeps } from '../support/test-app';

let deps: TestDeps;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  deps = await openTestDeps();
  app = buildApp(deps, 'replica-a');
});
afterAll(() => deps.close());

describe('GET /api/v1/stateless/info', () => {
  it('when called, then names the replica and carries identity headers', async () => {
    const res = await request(app).get('/api/v1/stateless/info').expect(200);
    expect(res.body).toMatchObject({ instance: 'replica-a', pid: process.pid, version: 'test', node: process.version });
    expect(typeof res.body.uptimeSeconds).toBe('number');
    expect(Number.isNaN(Date.parse(res.body.timestamp))).toBe(false);
    expect(res.headers['x-instance-id']).toBe('replica-a');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('when the caller sends X-Request-Id, then the same id comes back', async () => {
    const res = await request(app).get('/api/v1/stateless/info').set('X-Request-Id', 'trace-42.abc').expect(200);
    expect(res.headers['x-request-id']).toBe('trace-42.abc');
  });

  it('when the incoming X-Request-Id is unsafe to echo, then a fresh uuid replaces it', async () => {
    const res = await request(app).get('/api/v1/stateless/info').set('X-Request-Id', 'bad id<script>').expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('POST /api/v1/stateless/calculate', () => {
  it.each([
    ['add', [1, 2, 3], 6],
    ['subtract', [10, 3, 2], 5],
    ['multiply', [2, 3, 4], 24],
    ['divide', [9, 2], 4.5],
  ])('when %s %j, then the result is %d', async (operation, operands, result) => {
    const res = await request(app).post('/api/v1/stateless/calculate').send({ operation, operands }).expect(200);
    expect(res.body).toEqual({ operation, operands, result, instance: 'replica-a' });
  });

  it('when dividing by zero, then 400 DIVISION_BY_ZERO', async () => {
    const res = await request(app).post('/api/v1/stateless/calculate').send({ operation: 'divide', operands: [1, 0] }).expect(400);
    expect(res.body.error.code).toBe('DIVISION_BY_ZERO');
  });

  it('when the result overflows, then 400 RESULT_NOT_FINITE', async () => {
    const res = await request(app).post('/api/v1/stateless/calculate').send({ operation: 'multiply', operands: [1e308, 10] }).expect(400);
    expect(res.body.error.code).toBe('RESULT_NOT_FINITE');
  });

  it('when fields are wrong, then 400 with one detail per field', async () => {
    const res = await request(app).post('/api/v1/stateless/calculate').send({ operation: 'pow', operands: [1] }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['operands', 'operation']);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('when the body is not JSON, then 400 INVALID_JSON', async () => {
    const res = await request(app).post('/api/v1/stateless/calculate').set('Content-Type', 'application/json').send('{"operation":').expect(400);
    expect(res.body.error.code).toBe('INVALID_JSON');
  });

  it('when the body is text/plain, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await request(app).post('/api/v1/stateless/calculate').set('Content-Type', 'text/plain').send('add 1 2').expect(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('when the body exceeds the limit, then 413 PAYLOAD_TOO_LARGE', async () => {
    const operands = Array.from({ length: 5000 }, () => 123456.789);
    const res = await request(app).post('/api/v1/stateless/calculate').send({ operation: 'add', operands }).expect(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('GET /api/v1/stateless/random', () => {
  it('when given bounds and a count, then returns that many integers within them', async () => {
    const res = await request(app).get('/api/v1/stateless/random?min=5&max=7&count=50').expect(200);
    expect(res.body.values).toHaveLength(50);
    for (const v of res.body.values) expect(Number.isInteger(v) && v >= 5 && v <= 7).toBe(true);
  });

  it('when min exceeds max, then 400 naming min', async () => {
    const res = await request(app).get('/api/v1/stateless/random?min=9&max=1').expect(400);
    expect(res.body.error.details[0].path).toBe('min');
  });

  it('when count is above 1000, then 400', async () => {
    await request(app).get('/api/v1/stateless/random?count=1001').expect(400);
  });
});

describe('GET /api/v1/stateless/hash', () => {
  it('when asked for 3 rounds, then returns sha256 applied three times', async () => {
    let digest = createHash('sha256').update('abc').digest();
    digest = createHash('sha256').update(digest).digest();
    digest = createHash('sha256').update(digest).digest();
    const res = await request(app).get('/api/v1/stateless/hash?input=abc&rounds=3').expect(200);
    expect(res.body).toEqual({ digest: digest.toString('hex'), rounds: 3, instance: 'replica-a' });
  });

  it('when rounds exceed the bound, then 400 instead of pinning the CPU', async () => {
    const res = await request(app).get('/api/v1/stateless/hash?input=abc&rounds=100001').expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('when input is missing, then 400', async () => {
    await request(app).get('/api/v1/stateless/hash').expect(400);
  });
});

describe('GET /api/v1/stateless/products', () => {
  it('when paging with the cursor, then walks all 50 seeded products exactly once', async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const res: request.Response = await request(app)
        .get(`/api/v1/stateless/products?limit=20${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      seen.push(...res.body.items.map((p: { id: number }) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(50);
    expect(new Set(seen).size).toBe(50);
  });

  it('when limit is 0, then 400', async () => {
    await request(app).get('/api/v1/stateless/products?limit=0').expect(400);
  });
});

describe('unknown routes', () => {
  it('when the path matches nothing, then 404 in the JSON error shape', async () => {
    const res = await request(app).get('/api/v1/nope').expect(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route' } });
  });
});
