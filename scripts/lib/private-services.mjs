// Private Redis and PostgreSQL instances for the native cluster and for tests: started from the
// installed binaries on their own ports, with all state under a directory we own, so they never
// touch (or depend on) a system-wide service. Plain ESM, no npm dependencies.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import net from 'node:net';
import { findFreePort, isPortOpen, readPidFile, spawnDetached, stopPid, waitFor } from './processes.mjs';

export { findFreePort, isPortOpen };

const LOCALHOST = '127.0.0.1';

/**
 * Passwords the launcher generates are hex (cluster-state.mjs); anything else is refused before
 * it reaches a config file, an SQL statement or a RESP command.
 */
function assertPassword(password, what) {
  if (password !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(password)) throw new Error(`${what}: a password must be 16-128 letters, digits, - or _`);
}

/** A folder only its owner may enter, whatever the umask made of it (and if it existed before). */
function privateDir(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

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
export async function pgQuery({ host = LOCALHOST, port, user = 'postgres', password, database = 'postgres', sql, timeoutMs = 2_000 }) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host, port, user, password, database, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  try {
    await client.connect();
    return (await client.query(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Sends one inline command over RESP (after AUTH when a password is given) and resolves with
 * the raw reply to the command once `complete(reply)` says it has all of it, or undefined when
 * nothing (complete) came within `timeoutMs`, or the password was refused.
 */
function redisRaw(port, command, complete, { host = LOCALHOST, password, timeoutMs = 500 } = {}) {
  return new Promise((resolveReply) => {
    const socket = net.connect({ host, port });
    let reply = '';
    let authenticated = password === undefined;
    const done = (value) => {
      socket.destroy();
      resolveReply(value);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('connect', () => socket.write(`${password === undefined ? '' : `AUTH ${password}\r\n`}${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (!authenticated) {
        const end = reply.indexOf('\r\n');
        if (end < 0) return;
        if (!reply.startsWith('+OK')) return done(undefined);
        authenticated = true;
        reply = reply.slice(end + 2);
      }
      if (complete(reply)) done(reply);
    });
    socket.once('error', () => done(undefined));
  });
}

/** Sends PING over RESP and resolves true on +PONG. */
export async function redisPing(port, { host = LOCALHOST, password, timeoutMs = 500 } = {}) {
  const reply = await redisRaw(port, 'PING', (r) => r.includes('\r\n'), { host, password, timeoutMs });
  return reply?.startsWith('+PONG') ?? false;
}

/** 'primary' | 'replica' | 'sentinel' from the ROLE command, or undefined when it does not answer. */
export async function redisRole(port, { host = LOCALHOST, password, timeoutMs = 500 } = {}) {
  // ROLE answers an array whose first element names the role; its first line is enough.
  const reply = await redisRaw(port, 'ROLE', (r) => /\r\n\$\d+\r\n\w+\r\n/.test(r) || r.startsWith('-'), { host, password, timeoutMs });
  const role = reply?.match(/\r\n\$\d+\r\n(\w+)\r\n/)?.[1];
  return { master: 'primary', slave: 'replica', sentinel: 'sentinel' }[role];
}

/**
 * Starts `redis-server` on 127.0.0.1:port with its data in `dir`: an append-only file, as the
 * compose file's Redis has, so sessions, counters and idempotency records survive a crash and a
 * restart of Redis (the lesson "the state now lives in Redis, so Redis must survive").
 *
 * Teaching note: `appendfsync everysec` writes every command to the file before Redis answers,
 * and fsyncs the file once a second. A killed Redis process (kill -9) loses nothing it
 * acknowledged: the kernel holds the written data. Only a machine that loses power or panics
 * loses up to about one second of writes. `always` would fsync before every answer and close
 * that window too, at the price of one disk flush per write batch — throughput then follows the
 * disk's fsync latency (docs/labs.md has the numbers measured here). RDB snapshots stay off
 * (`save ""`): the AOF is the one copy, and `npm run cluster -- backup` takes snapshots on demand.
 *
 * A `dump.rdb` in `dir` without an AOF beside it (a restored backup) is loaded instead: Redis
 * starts with the AOF off, reads the RDB, and `CONFIG SET appendonly yes` then writes the AOF
 * from memory — the documented way to switch a dataset to AOF. (Started with the AOF on and no
 * AOF yet, Redis 7 would ignore the RDB and start empty.)
 *
 * Who may get in: with `password`, every client must AUTH (`requirepass`); a replica — and in
 * REDIS_MODE=sentinel any of the pair may become one — authenticates to its primary with it
 * (`masterauth`). The password is in `redis.conf` in `dir`
 * (0600, in a 0700 folder), never on the command line, where `ps` would show it to every local
 * user. The folder is private, and the process runs with umask 077 (spawnDetached), so the AOF
 * files are not world-readable either.
 *
 * Teaching note: `maxmemory` with `maxmemory-policy noeviction`. Without a bound a loop of
 * session creations grows Redis until the machine's memory runs out; with an evicting policy a
 * full Redis would drop keys — sessions — without telling anyone. noeviction refuses writes
 * instead, and the replicas answer 503 REDIS_FULL: loud, and nothing stored is lost.
 *
 * Log and pid file live in `dir`. Resolves once PING answers (after the AOF is loaded).
 * `onSpawn(pid)`, if given, hears the pid at once, so a caller interrupted mid-start can stop it.
 */
export async function startRedis({ port, dir, password, maxmemoryMb = 256, timeoutMs = 10_000, onSpawn, replicaOf }) {
  const bin = which('redis-server');
  if (!bin) {
    throw new Error('redis-server not found on PATH — install it with: sudo apt-get install -y redis-server');
  }
  assertPassword(password, 'Redis');
  await assertPortFree(port, 'Redis', 'REDIS_PORT');
  const absDir = resolve(dir);
  privateDir(absDir);
  const logFile = join(absDir, 'redis.log');
  const pidFile = join(absDir, 'redis.pid');
  const confFile = join(absDir, 'redis.conf');
  const seedFromRdb = existsSync(join(absDir, 'dump.rdb')) && !existsSync(join(absDir, 'appendonlydir'));
  writeFileSync(
    confFile,
    [
      '# Written by the statelab launcher at every start (scripts/lib/private-services.mjs).',
      // masterauth on the primary too: after a failover Sentinel makes it a replica of the new one.
      ...(password === undefined ? [] : [`requirepass ${password}`, `masterauth ${password}`]),
      `maxmemory ${maxmemoryMb}mb`,
      'maxmemory-policy noeviction',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  chmodSync(confFile, 0o600);
  const child = spawnDetached(
    bin,
    [
      confFile,
      '--port', String(port),
      '--bind', LOCALHOST,
      '--save', '',
      '--appendonly', seedFromRdb ? 'no' : 'yes',
      '--appendfsync', 'everysec',
      '--daemonize', 'no',
      '--dir', absDir,
      '--pidfile', pidFile,
      '--logfile', '',
      // A replica (REDIS_MODE=sentinel) copies the primary; Sentinel may later promote it.
      ...(replicaOf ? ['--replicaof', replicaOf.host, String(replicaOf.port)] : []),
    ],
    { logFile, cwd: absDir },
  );
  const { pid } = child;
  onSpawn?.(pid);
  const stop = () => stopPid(pid, { signal: 'SIGTERM', timeoutMs: 5_000 });
  try {
    await waitFor(`Redis on port ${port}`, () => redisPing(port, { password }), { timeoutMs, child, logFile });
    if (seedFromRdb) {
      redisCli(port, ['CONFIG', 'SET', 'appendonly', 'yes'], { password });
      await waitFor(`Redis on port ${port} writing its AOF from the loaded RDB`, () => aofWritten(port, password), { timeoutMs: 60_000, child, logFile });
      // From now on the AOF is the one copy; a stale RDB beside it would only mislead.
      rmSync(join(absDir, 'dump.rdb'), { force: true });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://${LOCALHOST}:${port}`, pid, logFile, stop };
}

/**
 * Starts one Redis Sentinel on 127.0.0.1:port watching the primary named `masterName`.
 *
 * Teaching note: the timings are a demo's, so a student sees a failover within seconds.
 * `down-after-milliseconds 1000`: a primary silent for 1 s is suspected down; production uses
 * 5–30 s, because a garbage-collecting client, a slow disk or a busy network also make a healthy
 * primary silent for a second, and every needless failover loses the writes not yet copied to
 * the replica (replication is asynchronous). `failover-timeout 5000` (production: minutes) is how
 * long a failover may take before another Sentinel may try again.
 *
 * Sentinel rewrites its own config file as it learns (the current primary, the other Sentinels,
 * the replicas), so a restarted Sentinel knows what the others decided. `fresh: true` writes the
 * file anew (a new cluster); otherwise an existing file is kept.
 */
export async function startSentinel({ port, dir, masterName, master, quorum, password, masterPassword, fresh = false, timeoutMs = 10_000, onSpawn }) {
  const sentinelBin = which('redis-sentinel');
  const serverBin = which('redis-server');
  if (!sentinelBin && !serverBin) {
    throw new Error('redis-sentinel not found on PATH — install it with: sudo apt-get install -y redis-sentinel');
  }
  assertPassword(password, 'Redis Sentinel');
  assertPassword(masterPassword, 'Redis Sentinel (the primary)');
  await assertPortFree(port, 'Redis Sentinel', 'SENTINEL_PORT');
  const absDir = resolve(dir);
  privateDir(absDir);
  const confFile = join(absDir, 'sentinel.conf');
  if (fresh || !existsSync(confFile)) {
    writeFileSync(
      confFile,
      [
        `port ${port}`,
        `bind ${LOCALHOST}`,
        'daemonize no',
        `dir ${absDir}`,
        `pidfile ${join(absDir, 'sentinel.pid')}`,
        `sentinel monitor ${masterName} ${master.host} ${master.port} ${quorum}`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        // Clients (the replicas, the launcher) must AUTH; the Sentinels authenticate to each other
        // with the same password (sentinel-pass) and to the Redis pair with its own (auth-pass).
        ...(password === undefined ? [] : [`requirepass ${password}`, `sentinel sentinel-pass ${password}`]),
        ...(masterPassword === undefined ? [] : [`sentinel auth-pass ${masterName} ${masterPassword}`]),
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  }
  // Sentinel rewrites this file as it learns; whatever it did, only its owner may read it.
  chmodSync(confFile, 0o600);
  const logFile = join(absDir, 'sentinel.log');
  // Debian's redis-sentinel is redis-server started in Sentinel mode; either binary will do.
  const child = sentinelBin ? spawnDetached(sentinelBin, [confFile], { logFile, cwd: absDir }) : spawnDetached(serverBin, [confFile, '--sentinel'], { logFile, cwd: absDir });
  const { pid } = child;
  onSpawn?.(pid);
  try {
    await waitFor(`Sentinel on port ${port}`, () => redisPing(port, { password }), { timeoutMs, child, logFile });
  } catch (err) {
    await stopPid(pid, { signal: 'SIGTERM', timeoutMs: 5_000 });
    throw err;
  }
  return { url: `redis://${LOCALHOST}:${port}`, pid, logFile, stop: () => stopPid(pid, { signal: 'SIGTERM', timeoutMs: 5_000 }) };
}

/**
 * Runs one redis-cli command against 127.0.0.1:port; resolves with its output, throws on an error
 * reply. The password goes in REDISCLI_AUTH, never `-a`: an argument is visible in `ps`.
 */
export function redisCli(port, args, { host = LOCALHOST, password } = {}) {
  const bin = which('redis-cli');
  if (!bin) throw new Error('redis-cli not found on PATH — install it with: sudo apt-get install -y redis-tools');
  const env = { ...process.env };
  if (password === undefined) delete env.REDISCLI_AUTH;
  else env.REDISCLI_AUTH = password;
  const result = spawnSync(bin, ['-h', host, '-p', String(port), ...args], { encoding: 'utf8', timeout: 60_000, env });
  const out = (result.stdout ?? '').trim();
  if (result.status !== 0 || /^(ERR|WRONGTYPE|LOADING|NOAUTH|WRONGPASS)/m.test(out)) {
    throw new Error(`redis-cli ${args.join(' ')}: ${result.error?.message ?? (out || result.stderr.trim())}`);
  }
  return out;
}

/** True once AOF is on and no rewrite is pending or running (the rewrite succeeded). */
function aofWritten(port, password) {
  const info = Object.fromEntries(
    redisCli(port, ['INFO', 'persistence'], { password })
      .split(/\r?\n/)
      .filter((line) => line.includes(':'))
      .map((line) => line.split(':')),
  );
  if (info.aof_last_bgrewrite_status === 'err') throw new Error('Redis could not write its AOF — see its log');
  return info.aof_enabled === '1' && info.aof_rewrite_in_progress === '0' && info.aof_rewrite_scheduled === '0';
}

/** /usr/lib/postgresql/<v>/bin directories, highest version first. */
function postgresBinDirs() {
  const root = '/usr/lib/postgresql';
  try {
    return readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
      .map((v) => join(root, v, 'bin'));
  } catch {
    return [];
  }
}

/** Directory holding initdb/postgres: $POSTGRES_BIN_DIR, else the highest /usr/lib/postgresql/<v>/bin. */
export function findPostgresBinDir() {
  const override = process.env.POSTGRES_BIN_DIR;
  if (override) return existsSync(join(override, 'postgres')) ? override : undefined;
  return postgresBinDirs().find((bin) => existsSync(join(bin, 'postgres')) && existsSync(join(bin, 'initdb')));
}

/**
 * A PostgreSQL client tool (pg_dump, pg_restore): from $POSTGRES_BIN_DIR, else the highest
 * installed version — pg_dump must be at least as new as the server it dumps — else PATH.
 */
export function findPostgresTool(name) {
  const dirs = process.env.POSTGRES_BIN_DIR ? [process.env.POSTGRES_BIN_DIR] : postgresBinDirs();
  const found = dirs.map((dir) => join(dir, name)).find((file) => existsSync(file)) ?? which(name);
  if (!found) throw new Error(`${name} not found — install it with: sudo apt-get install -y postgresql-client (or set POSTGRES_BIN_DIR)`);
  return found;
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

/** Where a root launcher keeps the path of the fallback data folder it made (see startPostgres). */
const FALLBACK_RECORD = 'data-location';

/**
 * The fallback folder recorded in `dir`, if it is still one that `runAs` alone owns: a real
 * folder (not a symlink), owned by that user, mode 0700. Anything else is not trusted.
 */
function recordedFallback(dir, runAs) {
  const record = join(dir, FALLBACK_RECORD);
  if (!existsSync(record)) return undefined;
  const folder = readFileSync(record, 'utf8').trim();
  try {
    const st = lstatSync(folder);
    if (st.isDirectory() && st.uid === runAs.uid && (st.mode & 0o777) === 0o700) return folder;
  } catch {
    // gone (a reboot cleaned the temp dir): a new one is made
  }
  return undefined;
}

/** The fallback data folder of a private PostgreSQL started from `dir`, if it has one (for `down --clean`). */
export function postgresFallbackFolder(dir) {
  const record = join(resolve(dir), FALLBACK_RECORD);
  return existsSync(record) ? readFileSync(record, 'utf8').trim() : undefined;
}

const SCRAM_HBA = [
  '# Written by the statelab launcher: every connection proves the password (SCRAM), none is trusted.',
  'local all all scram-sha-256',
  `host all all ${LOCALHOST}/32 scram-sha-256`,
  'host all all ::1/128 scram-sha-256',
  '',
].join('\n');

/**
 * `chown owner [-R] path`, without blocking the event loop: a start from the lab or the chaos
 * runner happens while the same process sends and times requests, and a recursive chown of a
 * data folder on a busy disk can take a second (CI saw a failed catalogue read measured at 2 s).
 * Failures are ignored, as before: the check that matters is whether PostgreSQL then starts.
 */
function chown(owner, ...args) {
  return new Promise((resolve) => execFile('chown', [owner, ...args], { timeout: 60_000 }, () => resolve()));
}

/**
 * Starts a private PostgreSQL on 127.0.0.1:port with its cluster in `dir/data` (initdb the first
 * time), waits until it accepts connections and creates the database `statelab`.
 *
 * Who may get in: the superuser `postgres` has `password`, and every connection, local socket
 * included, must prove it (scram-sha-256). Trust auth would let every local user of the machine
 * in as the superuser. initdb reads the password from a file (0600, removed right after), never
 * from its command line. A data folder made before passwords existed (trust) is switched over
 * on its first start: the password is set, pg_hba.conf rewritten, the configuration reloaded.
 *
 * Running as root: postgres refuses to run as root ("root execution of the PostgreSQL server is
 * not permitted"), and CI and fresh machines here run as root. So initdb and postgres are
 * spawned with the uid/gid of the `postgres` system user (created by Debian's postgresql
 * package; `nobody` as a fallback) via node's spawn `uid`/`gid` options — no runuser/sudo needed,
 * the pid we hold is postgres itself — and the directory is chowned to that user. If that user
 * cannot reach `dir` (e.g. it is under /root, mode 700), the cluster lives in a fresh private
 * folder under the system temp dir instead (mkdtemp: a random name, mode 0700, made by us — a
 * name derived from `dir` could be created first by any local user, who would then own the
 * database's folder); its path is recorded in `dir` so the next start finds the same data, and
 * it is reported in `dataDir`.
 */
export async function startPostgres({ port, dir, password, database = 'statelab', timeoutMs = 30_000, onSpawn }) {
  const binDir = findPostgresBinDir();
  if (!binDir) {
    throw new Error(
      'PostgreSQL server binaries (initdb, postgres) not found under /usr/lib/postgresql/<version>/bin — ' +
        'install them with: sudo apt-get install -y postgresql (or set POSTGRES_BIN_DIR)',
    );
  }
  if (password === undefined) throw new Error('PostgreSQL: a password for its superuser is required');
  assertPassword(password, 'PostgreSQL');
  await assertPortFree(port, 'PostgreSQL', 'POSTGRES_PORT');
  const givenDir = resolve(dir);
  let absDir = givenDir;
  privateDir(absDir);

  let runAs;
  if (process.getuid?.() === 0) {
    runAs = lookupUser('postgres') ?? lookupUser('nobody');
    if (!runAs) throw new Error('running as root, but there is no `postgres` or `nobody` user to run PostgreSQL as');
    // The folder is that user's own (0700 keeps everyone else out and lets it in); what must
    // still be checked is the way there.
    await chown(`${runAs.uid}:${runAs.gid}`, givenDir);
    if (!traversableBy(join(absDir, 'data'), runAs)) {
      absDir = recordedFallback(givenDir, runAs) ?? mkdtempSync(join(tmpdir(), 'statelab-pg-'));
      writeFileSync(join(givenDir, FALLBACK_RECORD), `${absDir}\n`, { mode: 0o600 });
    }
    await chown(`${runAs.uid}:${runAs.gid}`, '-R', absDir);
  }
  const logFile = join(absDir, 'postgres.log');
  const dataDir = join(absDir, 'data');
  const ids = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const pwfile = join(absDir, '.initdb-password');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs) spawnSync('chown', [`${runAs.uid}:${runAs.gid}`, dataDir, pwfile], { stdio: 'ignore' });
    try {
      const init = spawnSync(
        join(binDir, 'initdb'),
        ['-D', dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-locale', '--no-sync'],
        { ...ids, env, encoding: 'utf8', timeout: 120_000 },
      );
      if (init.status !== 0) {
        throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}): ${(init.stderr || init.stdout || '').trim()}`);
      }
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  const hbaFile = join(dataDir, 'pg_hba.conf');
  const trusting = /^\s*(local|host)\S*\s.*\btrust\b/m.test(readFileSync(hbaFile, 'utf8'));

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
    await waitFor(`PostgreSQL on port ${port}`, async () => (await pgQuery({ port, password, sql: 'SELECT 1' })).length === 1, {
      timeoutMs,
      child,
      logFile,
    });
    if (trusting) {
      await pgQuery({ port, sql: `ALTER ROLE postgres PASSWORD '${password}'` });
      writeFileSync(hbaFile, SCRAM_HBA, { mode: 0o600 });
      if (runAs) spawnSync('chown', [`${runAs.uid}:${runAs.gid}`, hbaFile], { stdio: 'ignore' });
      await pgQuery({ port, password, sql: 'SELECT pg_reload_conf()' });
    }
    await createDatabase(port, database, { password });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgresql://postgres@${LOCALHOST}:${port}/${database}`, pid, logFile, dataDir, stop };
}

/** CREATE DATABASE, tolerating "already exists" (SQLSTATE 42P04). */
export async function createDatabase(port, database, { host = LOCALHOST, password } = {}) {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name: ${database}`);
  try {
    await pgQuery({ host, port, password, sql: `CREATE DATABASE ${database}`, timeoutMs: 10_000 });
  } catch (err) {
    if (err.code !== '42P04') throw err;
  }
}

/** The pid in a data dir's postmaster.pid, for a launcher that restarts after a crash. */
export function postgresPid(dataDir) {
  return readPidFile(join(dataDir, 'postmaster.pid'));
}
