// The hostile-request corpus (test/support/hostile-requests.ts) sent to one replica over a real
// socket: the replica's own HTTP server (src/http/http-server.ts), not supertest, because most of
// these requests never reach Express — Node's parser rejects them first.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../../src/http/http-server';
import { hostileCorpus, mismatch, sendCase, sendRaw } from '../support/hostile-requests';
import { buildApp, openTestDeps, type TestDeps } from '../support/test-app';

let deps: TestDeps;
let server: Server;
let port: number;

beforeAll(async () => {
  // A short request timeout so the stalled client below meets it within the socket timeout.
  deps = await openTestDeps({ env: { REQUEST_TIMEOUT_MS: '1000' } });
  server = createHttpServer(buildApp(deps), deps.config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await deps.close();
});

describe('a replica under hostile requests', () => {
  it.each(hostileCorpus.map((c) => [c.name, c] as const))('when sent %s, then it answers JSON with a code and a fitting status', async (_name, c) => {
    const reply = await sendCase(port, c);
    expect(mismatch(reply, c.replica)).toBeUndefined();
    if (reply.status >= 400) expect(reply.headers['x-instance-id']).toBe(deps.config.instanceId);
  });

  it('when a client sends half a body and stalls, then the request timeout answers 408 REQUEST_TIMEOUT', async () => {
    const reply = await sendRaw(port, [
      'POST /api/v1/stateless/calculate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
      '{"operation":',
    ]);
    expect(mismatch(reply, { status: 408, code: 'REQUEST_TIMEOUT' })).toBeUndefined();
  });

  it('when a client stalls in its headers, then the request timeout answers 408 REQUEST_TIMEOUT', async () => {
    const reply = await sendRaw(port, ['GET /api/v1/stateless/info HTTP/1.1\r\nHost: x\r\nX-Slow: ']);
    expect(mismatch(reply, { status: 408, code: 'REQUEST_TIMEOUT' })).toBeUndefined();
  });

  it('when the corpus has been sent, then no prototype was polluted and the replica still serves', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const health = await sendRaw(port, ['GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(health.status).toBe(200);
    const info = await sendRaw(port, ['GET /api/v1/stateless/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ instance: deps.config.instanceId });
  });
});
