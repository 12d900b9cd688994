import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { Client } from 'pg';
import type { Database } from '../infra/database';
import { seedIfEmpty, seedNeeded } from './seed';

const run = promisify(execFile);

/** Any 64-bit constant shared by all replicas; Prisma's own migrate lock uses another. */
const PREPARE_LOCK_KEY = 4_242_420_001;

/** The project root, from src/boot (tsx) or dist/src/boot (compiled) alike. */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${from}`);
    dir = parent;
  }
  return dir;
}

/**
 * Applies pending migrations and seeds an empty database. Three replicas starting at the same
 * moment all call this: a PostgreSQL advisory lock lets one do the work while the others wait,
 * then find nothing left to do.
 */
export async function prepareDatabase(options: { databaseUrl: string; prisma: Database; logger: Logger }): Promise<void> {
  const { databaseUrl, prisma, logger } = options;
  const lockClient = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await lockClient.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [PREPARE_LOCK_KEY]);
    const root = projectRoot();
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'scripts', 'prisma.mjs'), 'migrate', 'deploy'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      timeout: 120_000,
    });
    logger.debug({ stdout, stderr }, 'prisma migrate deploy');
    const { seeded } = (await seedNeeded(lockClient)) ? await seedIfEmpty(lockClient) : { seeded: false };
    logger.info({ seeded }, 'database ready');
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [PREPARE_LOCK_KEY]).catch(() => undefined);
    await lockClient.end();
  }
}
