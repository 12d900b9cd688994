// `npm run cluster -- backup [dir]` and `restore <dir>`: the durable state of a running native
// cluster — PostgreSQL (users, products, messages, audit log) and Redis (sessions, counters,
// idempotency records) — copied out and put back.
//   backup   pg_dump in custom format + an RDB snapshot taken over Redis's replication protocol
//            (`redis-cli --rdb`, which works for any Redis, private or REDIS_URL), and a manifest
//            with what they hold (counts of users, products, messages, sessions).
//   restore  checks both files first (pg_restore --list reads the dump's table of contents,
//            redis-check-rdb reads the whole snapshot) and touches nothing when either is missing
//            or broken. Then a safety dump of the live database, pg_restore --clean in one
//            transaction, and the private Redis stopped, its AOF set aside (not deleted), the RDB
//            put in its place and Redis started again (private-services.mjs turns the RDB into
//            the AOF). If Redis does not come back with it, both are rolled back: the AOF set
//            aside returns and the safety dump is restored. The replicas keep running: stateful
//            routes answer 503 for the seconds Redis is down, then ioredis reconnects by itself.
// Teaching note: the two copies are taken one after the other, not at one instant — a session
// created between them has its messages in one and not the other. A backup of two stores is only
// as consistent as the quiet moment it was taken in.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { act } from './cluster-control.mjs';
import { readState } from './cluster-state.mjs';
import { findPostgresTool, pgQuery, redisCli, which } from './private-services.mjs';
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

function run(bin, args, what, env = process.env) {
  const result = spawnSync(bin, args, { encoding: 'utf8', timeout: 600_000, env });
  if (result.status !== 0) {
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}): ${(result.stderr || result.stdout || '').trim()}`);
  }
  return result.stdout;
}

function redisTarget(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), password: u.password ? decodeURIComponent(u.password) : undefined };
}

/**
 * pg_dump / pg_restore arguments for the database, and their environment: the password goes in
 * PGPASSWORD, not in the --dbname URL, which `ps` would show to every local user.
 */
function pgTarget(url) {
  const u = new URL(url);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.password = '';
  const env = { ...process.env };
  if (password === undefined) delete env.PGPASSWORD;
  else env.PGPASSWORD = password;
  return { dbname: `--dbname=${u.toString()}`, env };
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
      password: db.password ? decodeURIComponent(db.password) : undefined,
      database: db.pathname.slice(1),
      sql: `SELECT count(*)::int AS n FROM ${table}`,
      timeoutMs: 10_000,
    });
    counts[table] = row.n;
  }
  // The replicas' key prefix (REDIS_KEY_PREFIX, default statelab:); a session is <prefix>sess:<id>.
  const prefix = state.appEnv?.REDIS_KEY_PREFIX ?? 'statelab:';
  const { host, port, password } = redisTarget(state.urls.redis);
  const keys = redisCli(port, ['--scan', '--pattern', `${prefix}sess:*`], { host, password });
  counts.sessions = keys ? keys.split('\n').length : 0;
  return counts;
}

/** Writes a backup of the running cluster to `dir` (default backups/<UTC timestamp>/); resolves with its manifest. */
export async function backup(clusterDir, dir) {
  const state = runningState(clusterDir);
  const target = resolve(dir ?? join(BACKUPS_DIR, new Date().toISOString().replace(/[:.]/g, '-')));
  mkdirSync(target, { recursive: true, mode: 0o700 });
  const counts = await countState(state);
  dumpDatabase(state, join(target, FILES.postgres));
  const { host, port, password } = redisTarget(state.urls.redis);
  redisCli(port, ['--rdb', join(target, FILES.redis)], { host, password });
  const manifest = {
    createdAt: new Date().toISOString(),
    files: FILES,
    // Counted just before the copies were taken: writes in between are in the copies, not here.
    counts,
  };
  writeFileSync(join(target, FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir: target, manifest };
}

function dumpDatabase(state, file) {
  const { dbname, env } = pgTarget(state.urls.database);
  run(findPostgresTool('pg_dump'), ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, dbname], 'pg_dump', env);
}

function restoreDatabase(state, file) {
  const { dbname, env } = pgTarget(state.urls.database);
  // One transaction: a restore that fails halfway leaves the database as it was.
  run(findPostgresTool('pg_restore'), ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', dbname, file], 'pg_restore', env);
}

/**
 * Both files of a backup, read through before anything live is touched: the dump's table of
 * contents (pg_restore --list fails on a missing, truncated or foreign file) and the whole
 * snapshot (redis-check-rdb verifies every record and the checksum at its end).
 */
function checkBackup(source) {
  const problems = [];
  const dump = join(source, FILES.postgres);
  const rdb = join(source, FILES.redis);
  if (!existsSync(dump) || statSync(dump).size === 0) problems.push(`${FILES.postgres} is missing or empty`);
  else {
    try {
      run(findPostgresTool('pg_restore'), ['--list', dump], `pg_restore --list ${FILES.postgres}`);
    } catch (err) {
      problems.push(`${FILES.postgres} is not a readable dump (${err.message.split('\n')[0]})`);
    }
  }
  if (!existsSync(rdb) || statSync(rdb).size === 0) problems.push(`${FILES.redis} is missing or empty`);
  else {
    const checker = which('redis-check-rdb');
    if (!checker) throw new Error('redis-check-rdb not found on PATH (it comes with redis-server: sudo apt-get install -y redis-server); nothing was restored');
    const result = spawnSync(checker, [rdb], { encoding: 'utf8', timeout: 600_000 });
    if (result.status !== 0) {
      const why = (result.stdout || result.stderr || '').split('\n').find((line) => /error|unexpected|wrong|failed|invalid/i.test(line))?.trim();
      problems.push(`${FILES.redis} is not a valid Redis snapshot${why ? ` (${why})` : ''}`);
    }
  }
  if (problems.length > 0) throw new Error(`${source} cannot be restored: ${problems.join('; ')}; nothing was restored`);
}

/**
 * Puts a backup back into the running cluster; resolves with the manifest's counts and the counts
 * after. Nothing live is touched until both files are proven readable; if Redis then does not
 * start with the snapshot, PostgreSQL and Redis are both put back as they were.
 */
export async function restore(clusterDir, dir) {
  const state = runningState(clusterDir);
  const source = resolve(dir);
  const manifestFile = join(source, FILES.manifest);
  if (!existsSync(manifestFile)) throw new Error(`${source} holds no ${FILES.manifest}: not a backup written by \`npm run cluster -- backup\`; nothing was restored`);
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
  checkBackup(source);

  // What to go back to: the live database, dumped, and (below) the live AOF, set aside.
  const rollback = join(clusterDir, 'restore-rollback');
  rmSync(rollback, { recursive: true, force: true });
  mkdirSync(rollback, { recursive: true, mode: 0o700 });
  const liveDump = join(rollback, FILES.postgres);
  dumpDatabase(state, liveDump);
  restoreDatabase(state, join(source, FILES.postgres));

  const redisDir = join(clusterDir, 'redis');
  const aof = join(redisDir, 'appendonlydir');
  const liveAof = join(rollback, 'appendonlydir');
  await act(clusterDir, 'redis', 'stop');
  try {
    if (existsSync(aof)) renameSync(aof, liveAof);
    copyFileSync(join(source, FILES.redis), join(redisDir, 'dump.rdb'));
    await act(clusterDir, 'redis', 'start');
  } catch (err) {
    // Back to where we were: the live AOF in place, the live database restored from its dump.
    await act(clusterDir, 'redis', 'stop').catch(() => undefined);
    rmSync(join(redisDir, 'dump.rdb'), { force: true });
    rmSync(aof, { recursive: true, force: true });
    if (existsSync(liveAof)) renameSync(liveAof, aof);
    await act(clusterDir, 'redis', 'start');
    restoreDatabase(state, liveDump);
    throw new Error(`Redis did not start with ${join(source, FILES.redis)} (${err.message}); rolled back: PostgreSQL and Redis hold what they held before the restore`);
  }
  rmSync(rollback, { recursive: true, force: true });
  return { expected: manifest.counts, restored: await countState(readState(clusterDir)) };
}
