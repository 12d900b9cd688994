// `node scripts/prisma.mjs migrate deploy` is how the service and CI migrate a database; offline
// it runs through the WASM schema engine bridge (docs/prisma-offline.md). These tests run the
// real command against a fresh database, the way the service does: only DATABASE_URL is set.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

const root = path.resolve(__dirname, '../..');
const migrationsDir = path.join(root, 'prisma/migrations');
// The integration globalSetup publishes the server it found or started; alone, DATABASE_URL names it.
const adminUrl =
  process.env.STATELAB_TEST_ADMIN_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
// A run takes ~3 s here. A bridge that lingers after its work (a known WASM engine failure) must
// fail this test rather than slow every deploy, so each command is killed past this bound.
const COMMAND_TIMEOUT_MS = 20_000;
const TEST_TIMEOUT_MS = COMMAND_TIMEOUT_MS + 10_000;

interface PrismaRun {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

function runPrisma(args: string[], databaseUrl: string): Promise<PrismaRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/prisma.mjs', ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ exitCode, timedOut: Boolean(error?.killed), stdout, stderr });
      },
    );
  });
}

function expectCleanSuccess(run: PrismaRun): void {
  expect({ timedOut: run.timedOut, exitCode: run.exitCode, stderr: run.stderr }).toMatchObject({ timedOut: false, exitCode: 0 });
  // The service runs this at startup: a successful run must not print anything that reads as trouble.
  expect(run.stderr).not.toMatch(/error|warn|panic/i);
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const migrationNames = readdirSync(migrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const sha256OfMigration = (name: string): string =>
  createHash('sha256').update(readFileSync(path.join(migrationsDir, name, 'migration.sql'))).digest('hex');

describe('prisma migrate through scripts/prisma.mjs', () => {
  const database = `statelab_migrate_${randomBytes(6).toString('hex')}`;
  const databaseUrl = (() => {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    return url.toString();
  })();
  const appliedMigrations = () =>
    withClient(databaseUrl, async (client) => {
      const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
      );
      return rows;
    });

  beforeAll(async () => {
    await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${database}"`));
  });

  afterAll(async () => {
    // FORCE: a failed assertion must not leave the database behind because a session is still open.
    await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  });

  // The tests below share one database and build on each other, in file order.
  it('when the repository is checked out, then it holds Prisma migrations and a PostgreSQL lock file', () => {
    expect(migrationNames.length).toBeGreaterThan(0);
    expect(readFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'utf8')).toMatch(/provider = "postgresql"/);
  });

  it('when migrate deploy runs against a fresh database, then it applies every migration and creates the tables', async () => {
    const run = await runPrisma(['migrate', 'deploy'], databaseUrl);

    expectCleanSuccess(run);
    expect(run.stdout).toContain('All migrations have been successfully applied.');
    const tables = await withClient(databaseUrl, async (client) => {
      const { rows } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      return rows.map((row) => row.table_name);
    });
    expect(tables).toEqual(expect.arrayContaining(['users', 'products', 'messages', 'audit_log', '_prisma_migrations']));
  }, TEST_TIMEOUT_MS);

  it('when migrate deploy has run, then _prisma_migrations holds each migration with the sha256 of its migration.sql', async () => {
    const rows = await appliedMigrations();

    expect(rows.map((row) => row.migration_name)).toEqual(migrationNames);
    for (const row of rows) {
      expect(row.checksum).toBe(sha256OfMigration(row.migration_name));
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
  });

  it('when migrate deploy runs a second time, then it exits 0 and applies nothing', async () => {
    const before = await appliedMigrations();

    const run = await runPrisma(['migrate', 'deploy'], databaseUrl);

    expectCleanSuccess(run);
    expect(run.stdout).toContain('No pending migrations to apply.');
    expect(await appliedMigrations()).toEqual(before);
  }, TEST_TIMEOUT_MS);

  it('when migrate status runs after deploy, then it exits 0 and reports the schema up to date', async () => {
    const run = await runPrisma(['migrate', 'status'], databaseUrl);

    expectCleanSuccess(run);
    expect(run.stdout).toContain('Database schema is up to date!');
  }, TEST_TIMEOUT_MS);
});
