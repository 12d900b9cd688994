// The framework's ceiling: a bare Express 5 hello-world with default settings. The harness forks
// it as a child process so it never shares the load generator's event loop, and tells it the
// port over IPC. Run by hand: `tsx bench/baseline-server.ts [port]`.
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.get('/', (_req, res) => {
  // The only addition to a hello-world: the header the harness counts replicas by.
  res.set('X-Instance-Id', 'baseline').json({ hello: 'world' });
});

const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  if (process.send) process.send({ port });
  else process.stdout.write(`baseline server on http://127.0.0.1:${port}\n`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
