// The bench checks that its target answers before it spends minutes measuring connection errors
// (bench/cluster.ts). A real closed port and a real listening server; nothing is mocked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertAnswers } from '../../bench/cluster';

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('the bench before a run', () => {
  it('when nothing listens at the target, then it stops with an error naming the URL and the reason', async () => {
    const server = http.createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    await expect(assertAnswers(`http://127.0.0.1:${port}`)).rejects.toThrow(
      `nothing answers at http://127.0.0.1:${port}/api/v1/stateless/info (connect ECONNREFUSED 127.0.0.1:${port}); is the target up?`,
    );
  });

  it('when a server answers at the target, even with an error status, then the run may go on', async () => {
    const server = http.createServer((_req, res) => res.writeHead(503).end());
    const port = await listen(server);
    try {
      await expect(assertAnswers(`http://127.0.0.1:${port}`)).resolves.toBeUndefined();
    } finally {
      server.close();
    }
  });
});
