import type { Server, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createApp } from './app';
import { createHttpServer } from './http/http-server';
import { ConfigError, loadConfig, type Config } from './config/config';
import { closePostgres, createPostgres } from './infra/database';
import { createLogger } from './infra/logger';
import { createMetrics } from './infra/metrics';
import { prepareDatabase, projectRoot } from './boot/prepare-database';
import { closeRedis, connectRedis, createRedis, redisTargetOf } from './infra/redis';

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
  const redis = createRedis(redisTargetOf(config), config.dependencyTimeoutMs);
  const postgres = createPostgres(config.databaseUrl, config.dependencyTimeoutMs, (err) =>
    logger.warn({ err }, 'an idle PostgreSQL connection failed; the next query opens a new one'),
  );
  const { prisma, pool } = postgres;

  if (!(await connectRedis(redis))) logger.warn('Redis unreachable at start; stateful routes answer 503 until it is back');
  if (config.migrateOnStart) await prepareDatabase({ databaseUrl: config.databaseUrl, prisma, logger });

  const app = createApp({ config, redis, prisma, pool, logger, metrics: createMetrics(config.instanceId), version: readVersion() });
  const server: Server = createHttpServer(app, config);
  server.listen(config.port, config.host, () => {
    logger.info({ port: config.port, host: config.host }, 'listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down: draining keep-alive connections, then finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('shutdown timeout: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownDrainMs + config.shutdownTimeoutMs);
    force.unref();
    // Teaching note: closing an idle keep-alive connection races with nginx, which may be
    // writing the next request into it at that very moment. A GET cut off that way is retried on
    // another replica; a POST is not (nginx never resends a non-idempotent request), and the
    // client gets a 502 for an increment that may or may not have happened — the chaos runner's
    // rolling-restart scenario caught exactly that. So for SHUTDOWN_DRAIN_MS the replica closes a
    // connection only after answering on it (`Connection: close`, below); nginx learns from each
    // answer and stops reusing the connection. Only then are the still-idle ones swept.
    // Then the listening socket closes first, and the still-idle connections only a moment later:
    // a connection nginx opened just before then is "idle" to Node until its request bytes are
    // parsed, and closing it then would cut off that request. (net.Server#close, not
    // http.Server#close, which would close idle connections in the same breath.)
    let sweep: NodeJS.Timeout | undefined;
    setTimeout(() => {
      net.Server.prototype.close.call(server, async () => {
        clearTimeout(force);
        clearInterval(sweep);
        await Promise.allSettled([closeRedis(redis), closePostgres(postgres)]);
        logger.info('stopped');
        process.exit(0);
      });
      // A keep-alive socket becomes idle when its in-flight response ends; left alone it would
      // hold the close open for keepAliveTimeoutMs.
      setTimeout(() => {
        server.closeIdleConnections();
        sweep = setInterval(() => server.closeIdleConnections(), 100);
      }, 250);
    }, config.shutdownDrainMs);
  };
  // Requests that still arrive on an open keep-alive socket are served, then that socket closes.
  // Prepended: it must run before the app, which may answer (and send headers) synchronously —
  // a header set after that throws, and crashed a replica mid-drain in the chaos runner.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (stopping) res.setHeader('Connection', 'close');
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`statelab failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
