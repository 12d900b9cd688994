// `npm run cluster -- backup [dir]` and `restore <dir>`: the durable state of a running native
// cluster — PostgreSQL (users, products, messages, audit log) and Redis (sessions, counters,
// idempotency records) — copied out and put back.
//   backup   pg_dump in custom format + an RDB snapshot taken over Redis's replication protocol
//            (`redis-cli --rdb`, which works for any Redis, private or REDIS_URL), and a manifest
//            with what they hold (counts of users, products, messages, sessions).
//   restore  pg_restore --clean in one transaction, then the private Redis is stopped, its AOF
//            replaced by the RDB and started again (private-services.mjs turns the RDB into the
//            AOF). The replicas keep running: stateful routes answer 503 for the seconds Redis is
//            down, then ioredis reconnects by itself.
// Teaching note: the two copies are taken one after the other, not at one instant — a session
// created between them has its messages in one and not the other. A backup of two stores is only
// as consistent as the quiet moment it was taken in.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { act } from './cluster-control.mjs';
import { readState } from './cluster-state.mjs';
import { findPostgresTool, pgQuery, redisCli } from './private-services.mjs';
import { REPO_ROOT } from './topology.mjs';

const FILES = { postgres: 'postgres.dump', redis: 'redis.rdb', manifest: 'manifest.json' };
/** Where `backup` writes when given no folder: backups/<UTC timestamp>/ (the lab's backup lesson lists it). */
export const BACKUPS_DIR = join(REPO_ROOT, 'backups');
const TABLES = ['users', 'products', 'messages'];

function runningState(clusterDir) {
  const state = readState(clusterDir);
  if (!state?.urls) throw new Error('no cluster is running here (no state); start one with: npm run cluster -- up');
  return state;
}

function run(bin, args, what) {
  const result = spawnSync(bin, args, { encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) {
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}): ${(result.stderr || result.stdout || '').trim()}`);
  }
}

function redisTarget(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379) };
}

/** What the backup holds, counted the same way before and after a restore. */
export async function countState(state) {
  const db = new URL(state.urls.database);
  const counts = {};
  for (const table of TABLES) {
    const [row] = await pgQuery({
      host: db.hostname,
      port: Number(db.port || 5432),
      user: decodeURIComponent(db.username || 'postgres'),
      database: db.pathname.slice(1),
      sql: `SELECT count(*)::int AS n FROM ${table}`,
      timeoutMs: 10_000,
    });
    counts[table] = row.n;
  }
  // The replicas' key prefix (REDIS_KEY_PREFIX, default statelab:); a session is <prefix>sess:<id>.
  const prefix = state.appEnv?.REDIS_KEY_PREFIX ?? 'statelab:';
  const { host, port } = redisTarget(state.urls.redis);
  const keys = redisCli(port, ['--scan', '--pattern', `${prefix}sess:*`], { host });
  counts.sessions = keys ? keys.split('\n').length : 0;
  return counts;
}

/** Writes a backup of the running cluster to `dir` (default backups/<UTC timestamp>/); resolves with its manifest. */
export async function backup(clusterDir, dir) {
  const state = runningState(clusterDir);
  const target = resolve(dir ?? join(BACKUPS_DIR, new Date().toISOString().replace(/[:.]/g, '-')));
  mkdirSync(target, { recursive: true, mode: 0o700 });
  const counts = await countState(state);
  run(findPostgresTool('pg_dump'), ['--format=custom', '--no-owner', '--no-privileges', `--file=${join(target, FILES.postgres)}`, `--dbname=${state.urls.database}`], 'pg_dump');
  const { host, port } = redisTarget(state.urls.redis);
  redisCli(port, ['--rdb', join(target, FILES.redis)], { host });
  const manifest = {
    createdAt: new Date().toISOString(),
    files: FILES,
    // Counted just before the copies were taken: writes in between are in the copies, not here.
    counts,
  };
  writeFileSync(join(target, FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir: target, manifest };
}

/** Puts a backup back into the running cluster; resolves with the manifest's counts and the counts after. */
export async function restore(clusterDir, dir) {
  const state = runningState(clusterDir);
  const source = resolve(dir);
  const manifestFile = join(source, FILES.manifest);
  if (!existsSync(manifestFile)) throw new Error(`${source} holds no ${FILES.manifest}: not a backup written by \`npm run cluster -- backup\``);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  if (!state.components.some((c) => c.name === 'redis')) {
    throw new Error(`Redis is not this cluster's own (REDIS_URL): load ${join(source, FILES.redis)} into it yourself; nothing was restored`);
  }
  if (state.topology.redisMode === 'sentinel') {
    // Replacing one Redis's files under a primary/replica pair would be undone by replication
    // (or copied over the restored data); a restore into HA Redis is a new primary seeded from
    // the RDB, which is more than this command does.
    throw new Error(`restore into REDIS_MODE=sentinel is not supported: restore into a standalone cluster (npm run cluster -- up), then start sentinel mode from it; nothing was restored`);
  }

  // One transaction: a restore that fails halfway leaves the database as it was.
  run(
    findPostgresTool('pg_restore'),
    ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', `--dbname=${state.urls.database}`, join(source, FILES.postgres)],
    'pg_restore',
  );

  await act(clusterDir, 'redis', 'stop');
  const redisDir = join(clusterDir, 'redis');
  rmSync(join(redisDir, 'appendonlydir'), { recursive: true, force: true });
  copyFileSync(join(source, FILES.redis), join(redisDir, 'dump.rdb'));
  await act(clusterDir, 'redis', 'start');

  return { expected: manifest.counts, restored: await countState(readState(clusterDir)) };
}
