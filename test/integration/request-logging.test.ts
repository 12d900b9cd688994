import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { buildApp, cookieFrom, openTestDeps, type TestDeps } from '../support/test-app';

let deps: TestDeps;
const lines: Array<Record<string, unknown>> = [];
let raw = '';

beforeAll(async () => {
  deps = await openTestDeps();
});
afterAll(() => deps.close());

function captureLogger() {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

describe('request logging', () => {
  it('when a request is served, then one JSON line carries request id, route template, status and duration — and no cookie or message text', async () => {
    const app = buildApp(deps, 'logged', captureLogger());
    const created = await request(app).post('/api/v1/stateful/sessions').expect(201);
    const cookie = cookieFrom(created.headers['set-cookie'], 'statelab.sid');
    const res = await request(app)
      .post('/api/v1/stateful/conversations')
      .set('Cookie', cookie)
      .set('X-Request-Id', 'log-test-1')
      .send({ text: 'my-private-message-text' })
      .expect(201);
    await request(app).get(`/api/v1/stateful/sessions/${created.body.sessionId}`).set('Cookie', cookie).expect(200);

    const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'log-test-1');
    expect(line).toMatchObject({
      req: { id: 'log-test-1', method: 'POST', url: '/api/v1/stateful/conversations' },
      res: { statusCode: 201, route: '/api/v1/stateful/conversations', kind: 'stateful' },
    });
    expect(typeof line?.responseTime).toBe('number');
    const byId = lines.find((l) => (l.res as { route?: string } | undefined)?.route === '/api/v1/stateful/sessions/:id');
    expect(byId).toBeDefined();
    expect(res.body.message.text).toBe('my-private-message-text');
    expect(raw).not.toContain('my-private-message-text');
    expect(raw).not.toContain(cookie.split('=')[1]!);
    expect(raw.toLowerCase()).not.toContain('cookie');
  });
});
