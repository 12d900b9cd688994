import type { Server, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createApp } from './app';
import { createHttpServer } from './http/http-server';
import { ConfigError, loadConfig, type Config } from './config/config';
import { createDatabase } from './infra/database';
import { createLogger } from './infra/logger';
import { createMetrics } from './infra/metrics';
import { prepareDatabase, projectRoot } from './infra/prepare-database';
import { connectRedis, createRedis } from './infra/redis';

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** Boots one replica: config, dependencies, database preparation, app, listen, shutdown. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ level: config.logLevel, instanceId: config.instanceId });
  const redis = createRedis(config.redisUrl, config.dependencyTimeoutMs);
  const prisma = createDatabase(config.databaseUrl, config.dependencyTimeoutMs);

  if (!(await connectRedis(redis))) logger.warn('Redis unreachable at start; stateful routes answer 503 until it is back');
  if (config.migrateOnStart) await prepareDatabase({ databaseUrl: config.databaseUrl, prisma, logger });

  const app = createApp({ config, redis, prisma, logger, metrics: createMetrics(config.instanceId), version: readVersion() });
  const server: Server = createHttpServer(app, config);
  server.listen(config.port, config.host, () => {
    logger.info({ port: config.port, host: config.host }, 'listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('shutdown timeout: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    // A keep-alive socket (nginx keeps a pool of them) becomes idle when its in-flight response
    // ends; left alone it would hold server.close() open for keepAliveTimeoutMs. Sweep them.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(async () => {
      clearTimeout(force);
      clearInterval(sweep);
      await Promise.allSettled([redis.quit(), prisma.$disconnect()]);
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  // Requests that still arrive on an open keep-alive socket are served, then that socket closes.
  server.on('request', (_req, res: ServerResponse) => {
    if (stopping) res.setHeader('Connection', 'close');
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`statelab failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
