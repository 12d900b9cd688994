// The hostile-request corpus (test/support/hostile-requests.ts) sent through nginx to the test
// cluster. Whatever answers — nginx itself (414, 431, 405, 413, 400 …) or a replica behind it —
// the answer is the API's JSON error shape with a code, and afterwards every replica still serves.
import net from 'node:net';
import { testClient, e2eCluster } from '../support/e2e-cluster';
import { hostileCorpus, mismatch, sendCase, sendRaw } from '../support/hostile-requests';

const cluster = e2eCluster();
const nginxPort = Number(new URL(cluster.nginxUrl).port);

describe('nginx and the replicas under hostile requests', () => {
  it.each(hostileCorpus.map((c) => [c.name, c] as const))('when sent %s through nginx, then the answer is JSON with a code and a fitting status', async (_name, c) => {
    const reply = await sendCase(nginxPort, c);
    expect(mismatch(reply, c.nginx)).toBeUndefined();
  });

  it('when nginx must answer a path it has no file for, then it is JSON NOT_FOUND too', async () => {
    const reply = await sendRaw(nginxPort, ['GET /no-such-page.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(mismatch(reply, { status: 404, code: 'NOT_FOUND' })).toBeUndefined();
  });

  it('when a client stalls halfway through its body, then other clients are still served', async () => {
    const stalled = net.connect({ port: nginxPort, host: '127.0.0.1' });
    await new Promise((resolve) => stalled.once('connect', resolve));
    stalled.write('POST /api/v1/stateless/calculate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"op');
    const client = testClient(cluster.nginxUrl);
    try {
      for (let i = 0; i < 5; i++) expect((await client.get('/api/v1/stateless/info')).status).toBe(200);
    } finally {
      client.close();
      stalled.destroy();
    }
  });

  it('when the corpus has been sent, then every replica is still healthy', async () => {
    for (const replica of cluster.replicas) {
      const client = testClient(`http://127.0.0.1:${replica.port}`);
      try {
        const reply = await client.get('/health');
        expect(reply.status).toBe(200);
        expect(reply.replica).toBe(replica.id);
      } finally {
        client.close();
      }
    }
  });
});
