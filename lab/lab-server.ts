import pino from 'pino';
import { createLabApp } from './lab-app';
import { loadLabConfig } from './lab-config';
import { LabService } from './lab-service';
import { clusterControl } from '../cluster/control';
import { requireClusterState } from '../cluster/state';

/** Boots the lab controller: config, the launcher's process control, the service, listen, shutdown. */
async function main(): Promise<void> {
  const config = loadLabConfig();
  const logger = pino({ level: config.logLevel, base: { component: 'lab', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  const service = new LabService({
    control: clusterControl,
    cluster: requireClusterState(config.clusterDir),
    clusterDir: config.clusterDir,
    nginxUrl: config.nginxUrl,
    prometheusUrl: config.prometheusUrl,
    clientCount: config.clients,
    watchIntervalMs: config.watchIntervalMs,
    logger,
  });
  await service.start();
  const streams = { perClient: config.streamsPerClient, max: config.streamsMax };
  const server = createLabApp({ service, token: config.token, logger, streams }).listen(config.port, config.host, () => {
    logger.info({ host: config.host, port: config.port, clients: config.clients }, 'lab controller listening');
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'lab controller stopping');
    service.stop();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`lab controller failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
