// The framework's ceiling: bare Express 5 with default settings, answering the same JSON payload
// as /api/v1/stateless/info on the same path, so `stateless-info / baseline` is the price of the
// replica's middleware alone (request id, metrics, log line, security headers). The harness forks
// it as a child process so it never shares the load generator's event loop, and tells it the
// port over IPC. Run by hand: `tsx bench/baseline-server.ts [port]`.
import type { AddressInfo } from 'node:net';
import express from 'express';

const startedAt = Date.now();
const app = express();
app.get('/api/v1/stateless/info', (_req, res) => {
  // The header the harness counts replicas by, and the payload of src/features/stateless.
  res.set('X-Instance-Id', 'baseline').json({
    instance: 'baseline',
    pid: process.pid,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    version: '0.0.0',
    node: process.version,
    timestamp: new Date().toISOString(),
  });
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
