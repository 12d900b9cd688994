import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { Client, type Pool } from 'pg';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/config';
import { closePostgres, createPostgres, type Database } from '../../src/infra/database';
import { createMetrics } from '../../src/infra/metrics';
import { connectRedis, createRedis } from '../../src/infra/redis';

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run integration tests through Jest's globalSetup`);
  return value;
}

/** A throwaway database cloned from the migrated, seeded template of the global setup. */
export async function cloneDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = setting('STATELAB_TEST_ADMIN_URL');
  const name = `statelab_it_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Two files cloning the same template at the same instant can collide; a short retry settles it.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${setting('STATELAB_TEST_TEMPLATE_DB')}`);
        break;
      } catch (err) {
        if (attempt >= 10) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 300));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestDeps {
  config: Config;
  redis: Redis;
  prisma: Database;
  /** The pool under `prisma`, for the plain statements (readiness, audit rows). */
  pool: Pool;
  close(): Promise<void>;
}

/**
 * Real Redis (own key prefix) and a real PostgreSQL database of this test file's own. Pass
 * `redisUrl` / `databaseUrl` to point at something else (a stopped Redis, a closed port).
 */
export async function openTestDeps(overrides: { redisUrl?: string; databaseUrl?: string; env?: Record<string, string> } = {}): Promise<TestDeps> {
  const database = overrides.databaseUrl ? undefined : await cloneDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    INSTANCE_ID: 'test-1',
    REDIS_URL: overrides.redisUrl ?? setting('STATELAB_TEST_REDIS_URL'),
    REDIS_KEY_PREFIX: `test:${randomBytes(4).toString('hex')}:`,
    DATABASE_URL: overrides.databaseUrl ?? database!.url,
    LOG_LEVEL: 'silent',
    ...overrides.env,
  });
  const redis = createRedis(config.redisUrl, config.dependencyTimeoutMs);
  await connectRedis(redis);
  const postgres = createPostgres(config.databaseUrl, config.dependencyTimeoutMs);
  return {
    config,
    redis,
    ...postgres,
    async close() {
      const keys = redis.status === 'ready' ? await redis.keys(`${config.redisKeyPrefix}*`) : [];
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await closePostgres(postgres);
      await database?.drop();
    },
  };
}

/** An app on the given dependencies, as a replica with its own identity and metrics registry. */
export function buildApp(deps: TestDeps, instanceId = deps.config.instanceId, logger: Logger = pino({ level: 'silent' })): Express {
  const config = { ...deps.config, instanceId };
  return createApp({
    config,
    redis: deps.redis,
    prisma: deps.prisma,
    pool: deps.pool,
    logger,
    metrics: createMetrics(instanceId),
    version: 'test',
  });
}

/** The `name=value` pair of a Set-Cookie header, ready for a Cookie header. */
export function cookieFrom(setCookie: string | string[] | undefined, name: string): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((c) => c.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie in ${JSON.stringify(all)}`);
  return found.split(';')[0]!;
}
