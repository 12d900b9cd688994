// Jest globalSetup for integration tests (plain ESM so it can use the launcher's service
// starters). Finds Redis and PostgreSQL — REDIS_URL / DATABASE_URL when given, else the local
// defaults — and when nothing answers starts throwaway instances from the installed binaries.
// Then builds one migrated, seeded template database that every test file clones.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findFreePort, redisPing, startPostgres, startRedis } from '../../scripts/lib/private-services.mjs';

const root = path.resolve(import.meta.dirname, '../..');

async function postgresAnswers(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `url` with `password` in it, as the launcher's private services are reached. */
function withPassword(url, password) {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function integrationSetup() {
  const started = [];
  const workDir = mkdtempSync(path.join(tmpdir(), 'statelab-it-'));

  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisTarget = new URL(redisUrl);
  if (!(await redisPing(Number(redisTarget.port || 6379), { host: redisTarget.hostname, password: redisTarget.password || undefined }))) {
    const password = randomBytes(16).toString('hex');
    const redis = await startRedis({ port: await findFreePort(), dir: path.join(workDir, 'redis'), password });
    console.log(`\n[integration] no Redis at ${redisUrl}; started a throwaway one at ${redis.url}`);
    redisUrl = withPassword(redis.url, password);
    started.push(redis);
  }

  let adminUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (!(await postgresAnswers(adminUrl))) {
    const password = randomBytes(16).toString('hex');
    const postgres = await startPostgres({ port: await findFreePort(), dir: path.join(workDir, 'postgres'), password });
    console.log(`\n[integration] no PostgreSQL at ${adminUrl}; started a throwaway one at ${postgres.url}`);
    adminUrl = withDatabase(withPassword(postgres.url, password), 'postgres');
    started.push(postgres);
  }

  // One template, migrated and seeded once; each test file clones it (CREATE DATABASE … TEMPLATE)
  // in milliseconds instead of migrating again.
  const template = `statelab_it_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const templateUrl = withDatabase(adminUrl, template);
  execFileSync(process.execPath, [path.join(root, 'scripts/prisma.mjs'), 'migrate', 'deploy'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: templateUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 120_000,
  });
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'prisma/seed.ts')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: templateUrl, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });

  process.env.STATELAB_TEST_REDIS_URL = redisUrl;
  process.env.STATELAB_TEST_ADMIN_URL = adminUrl;
  process.env.STATELAB_TEST_TEMPLATE_DB = template;
  globalThis.__statelabIntegration = { started, workDir, adminUrl, template };
}

export async function cleanup() {
  const state = globalThis.__statelabIntegration;
  if (!state) return;
  const admin = new pg.Client({ connectionString: state.adminUrl });
  try {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${state.template} WITH (FORCE)`);
  } catch (err) {
    console.warn(`[integration] could not drop ${state.template}: ${err.message}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  for (const service of state.started.reverse()) await service.stop();
  rmSync(state.workDir, { recursive: true, force: true });
}
