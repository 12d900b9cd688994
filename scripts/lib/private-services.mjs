// Private Redis and PostgreSQL instances for the native cluster and for tests: started from the
// installed binaries on their own ports, with all state under a directory we own, so they never
// touch (or depend on) a system-wide service. Plain ESM, no npm dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import net from 'node:net';
import { findFreePort, isPortOpen, readPidFile, spawnDetached, stopPid, waitFor } from './processes.mjs';

export { findFreePort, isPortOpen };

const LOCALHOST = '127.0.0.1';

/** Absolute path of `name` on PATH, or undefined. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}

async function assertPortFree(port, what, envName) {
  if (await isPortOpen(LOCALHOST, port)) {
    throw new Error(`${what}: port ${port} on ${LOCALHOST} is already in use — free it or set ${envName} to another port`);
  }
}

/**
 * Runs one SQL statement and resolves with its rows. Uses the `pg` driver, imported lazily: this
 * module loads before `npm ci` has run, but the launcher installs npm dependencies before it
 * starts or queries PostgreSQL.
 */
export async function pgQuery({ host = LOCALHOST, port, user = 'postgres', database = 'postgres', sql, timeoutMs = 2_000 }) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host, port, user, database, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  try {
    await client.connect();
    return (await client.query(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Sends PING over RESP and resolves true on +PONG. */
export function redisPing(port, host = LOCALHOST, timeoutMs = 500) {
  return new Promise((resolvePing) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Starts `redis-server` on 127.0.0.1:port with no persistence (sessions in a teaching cluster
 * are disposable). Log and pid file live in `dir`. Resolves once PING answers.
 * `onSpawn(pid)`, if given, hears the pid at once, so a caller interrupted mid-start can stop it.
 */
export async function startRedis({ port, dir, timeoutMs = 10_000, onSpawn }) {
  const bin = which('redis-server');
  if (!bin) {
    throw new Error('redis-server not found on PATH — install it with: sudo apt-get install -y redis-server');
  }
  await assertPortFree(port, 'Redis', 'REDIS_PORT');
  const absDir = resolve(dir);
  mkdirSync(absDir, { recursive: true });
  const logFile = join(absDir, 'redis.log');
  const pidFile = join(absDir, 'redis.pid');
  const child = spawnDetached(
    bin,
    [
      '--port', String(port),
      '--bind', LOCALHOST,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--dir', absDir,
      '--pidfile', pidFile,
      '--logfile', '',
    ],
    { logFile, cwd: absDir },
  );
  const { pid } = child;
  onSpawn?.(pid);
  const stop = () => stopPid(pid, { signal: 'SIGTERM', timeoutMs: 5_000 });
  try {
    await waitFor(`Redis on port ${port}`, () => redisPing(port), { timeoutMs, child, logFile });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://${LOCALHOST}:${port}`, pid, logFile, stop };
}

/** Directory holding initdb/postgres: $POSTGRES_BIN_DIR, else the highest /usr/lib/postgresql/<v>/bin. */
export function findPostgresBinDir() {
  const override = process.env.POSTGRES_BIN_DIR;
  if (override) return existsSync(join(override, 'postgres')) ? override : undefined;
  const root = '/usr/lib/postgresql';
  let versions = [];
  try {
    versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'postgres')) && existsSync(join(bin, 'initdb'))) return bin;
  }
  return undefined;
}

function lookupUser(name) {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    if (!line) return undefined;
    const [, , uid, gid] = line.split(':');
    return { name, uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

/** True when every ancestor of `path` lets `user` traverse it (needed for its data dir). */
function traversableBy(path, user) {
  for (let p = dirname(path); ; p = dirname(p)) {
    const st = statSync(p);
    const ok = st.uid === user.uid ? st.mode & 0o100 : st.gid === user.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!ok) return false;
    if (p === dirname(p)) return true;
  }
}

/**
 * Starts a private PostgreSQL on 127.0.0.1:port with its cluster in `dir/data` (initdb with
 * trust auth and superuser `postgres` the first time), waits until it accepts connections and
 * creates the database `statelab`.
 *
 * Running as root: postgres refuses to run as root ("root execution of the PostgreSQL server is
 * not permitted"), and CI and fresh machines here run as root. So initdb and postgres are
 * spawned with the uid/gid of the `postgres` system user (created by Debian's postgresql
 * package; `nobody` as a fallback) via node's spawn `uid`/`gid` options — no runuser/sudo needed,
 * the pid we hold is postgres itself — and the directory is chowned to that user. If that user
 * cannot reach `dir` (e.g. it is under /root, mode 700), the cluster lives under the system
 * temp dir instead and that is reported in `dataDir`.
 */
export async function startPostgres({ port, dir, database = 'statelab', timeoutMs = 30_000, onSpawn }) {
  const binDir = findPostgresBinDir();
  if (!binDir) {
    throw new Error(
      'PostgreSQL server binaries (initdb, postgres) not found under /usr/lib/postgresql/<version>/bin — ' +
        'install them with: sudo apt-get install -y postgresql (or set POSTGRES_BIN_DIR)',
    );
  }
  await assertPortFree(port, 'PostgreSQL', 'POSTGRES_PORT');
  let absDir = resolve(dir);
  mkdirSync(absDir, { recursive: true });
  const logFile = join(absDir, 'postgres.log');

  let runAs;
  if (process.getuid?.() === 0) {
    runAs = lookupUser('postgres') ?? lookupUser('nobody');
    if (!runAs) throw new Error('running as root, but there is no `postgres` or `nobody` user to run PostgreSQL as');
    if (!traversableBy(join(absDir, 'data'), runAs)) {
      const hash = createHash('sha256').update(absDir).digest('hex').slice(0, 12);
      absDir = join(tmpdir(), `statelab-pg-${hash}`);
      mkdirSync(absDir, { recursive: true, mode: 0o700 });
    }
    spawnSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, absDir], { stdio: 'ignore' });
  }
  const dataDir = join(absDir, 'data');
  const ids = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (runAs) spawnSync('chown', [`${runAs.uid}:${runAs.gid}`, dataDir], { stdio: 'ignore' });
    const init = spawnSync(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      { ...ids, env, encoding: 'utf8', timeout: 120_000 },
    );
    if (init.status !== 0) {
      throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}): ${(init.stderr || init.stdout || '').trim()}`);
    }
  }

  // A unix socket path is limited to 107 bytes; when `dir` is too deep we go TCP-only.
  const socketDir = join(absDir, `.s.PGSQL.${port}`).length < 100 ? absDir : '';
  const child = spawnDetached(
    join(binDir, 'postgres'),
    [
      '-D', dataDir,
      '-p', String(port),
      '-c', `listen_addresses=${LOCALHOST}`,
      '-c', `unix_socket_directories=${socketDir}`,
      '-c', 'max_connections=200',
    ],
    { logFile, env, cwd: absDir, ...ids },
  );
  const { pid } = child;
  onSpawn?.(pid);
  // SIGINT is PostgreSQL's "fast shutdown": it disconnects clients instead of waiting for them.
  const stop = () => stopPid(pid, { signal: 'SIGINT', timeoutMs: 15_000 });
  try {
    await waitFor(`PostgreSQL on port ${port}`, async () => (await pgQuery({ port, sql: 'SELECT 1' })).length === 1, {
      timeoutMs,
      child,
      logFile,
    });
    await createDatabase(port, database);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgresql://postgres@${LOCALHOST}:${port}/${database}`, pid, logFile, dataDir, stop };
}

/** CREATE DATABASE, tolerating "already exists" (SQLSTATE 42P04). */
export async function createDatabase(port, database, host = LOCALHOST) {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name: ${database}`);
  try {
    await pgQuery({ host, port, sql: `CREATE DATABASE ${database}`, timeoutMs: 10_000 });
  } catch (err) {
    if (err.code !== '42P04') throw err;
  }
}

/** The pid in a data dir's postmaster.pid, for a launcher that restarts after a crash. */
export function postgresPid(dataDir) {
  return readPidFile(join(dataDir, 'postmaster.pid'));
}
