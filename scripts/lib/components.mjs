// How each native component starts and how we know it is ready. Every start returns the
// record the launcher keeps in state.json: name, pid, log file, the command-line fragment that
// identifies the pid as ours (`match`), and how to stop it.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnDetached, waitFor } from './processes.mjs';
import { pgQuery, redisPing, startPostgres, startRedis, startSentinel, which } from './private-services.mjs';
import { REPO_ROOT } from './topology.mjs';

/** GET `url`; resolves with the HTTP status, or 0 when nothing answered within `timeoutMs`. */
export async function httpStatus(url, timeoutMs = 2_000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

const ok = (url) => async () => (await httpStatus(url)) === 200;

/** Creates `file` if needed and makes it 0600: for logs another program opens (nginx's). */
function privateFile(file) {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}

/** `url` with `password` in it: what the replicas, the exporters' environment and backups use. */
export function withPassword(url, password) {
  if (password === undefined) return url;
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** `url` without its password, for anything printed or shown on the lab page. */
export function redacted(url) {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

// Every start takes `track(name, pid, match)`, called right after the spawn: the pid file then
// exists before the readiness wait, so an interrupted or failed start can still be cleaned up.

/**
 * The private Redis (`redis`), or in REDIS_MODE=sentinel either of the pair: `redis` (the first
 * primary) and `redis-replica`. The names stay with the processes; which one is primary right
 * now is Sentinel's to say (`npm run cluster -- status`). A restarted former primary comes back
 * as a primary of its own for a moment, until the Sentinels tell it to follow the new one; the
 * replicas never write to it, because they ask the Sentinels where the primary is.
 */
export async function startPrivateRedis({ topology, paths, track, secrets, name = 'redis' }) {
  const onSpawn = (pid) => track(name, pid, 'redis-server');
  const replicaOf = name === 'redis-replica' ? { host: '127.0.0.1', port: topology.redisPort } : undefined;
  const port = name === 'redis-replica' ? topology.redisHa.replicaPort : topology.redisPort;
  const redis = await startRedis({ port, dir: join(paths.dir, name), password: secrets.redisPassword, maxmemoryMb: topology.redisMaxmemoryMb, onSpawn, replicaOf });
  // `url` stays without the password (status, the lab page show it); `auth` names the secret.
  return { name, pid: redis.pid, log: redis.logFile, match: 'redis-server', url: redis.url, auth: 'redisPassword' };
}

/** One of the three Sentinels of REDIS_MODE=sentinel; `fresh` on `up` (see startSentinel). */
export async function startPrivateSentinel({ topology, paths, track, secrets, name, fresh = false }) {
  const sentinel = topology.redisHa.sentinels.find((s) => s.id === name);
  const onSpawn = (pid) => track(name, pid, 'redis');
  const started = await startSentinel({
    port: sentinel.port,
    dir: join(paths.dir, name),
    masterName: topology.redisHa.masterName,
    master: { host: '127.0.0.1', port: topology.redisPort },
    quorum: topology.redisHa.quorum,
    password: secrets.sentinelPassword,
    masterPassword: secrets.redisPassword,
    fresh,
    onSpawn,
  });
  return { name, pid: started.pid, log: started.logFile, match: 'redis', url: started.url, auth: 'sentinelPassword' };
}

/** REDIS_SENTINELS for the replicas: where to ask for the primary. */
export function sentinelList(topology) {
  return topology.redisHa.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
}

export async function startPrivatePostgres({ topology, paths, track, secrets }) {
  const onSpawn = (pid) => track('postgres', pid, 'postgres');
  const pg = await startPostgres({ port: topology.postgresPort, dir: join(paths.dir, 'postgres'), password: secrets.postgresPassword, timeoutMs: 60_000, onSpawn });
  return {
    name: 'postgres',
    pid: pg.pid,
    log: pg.logFile,
    match: 'postgres',
    url: pg.url,
    auth: 'postgresPassword',
    // PostgreSQL's "fast shutdown": disconnect clients rather than wait for them.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 15_000,
  };
}

/**
 * Applies migrations once before the replicas start, so three replicas do not queue on the
 * advisory lock at boot. The replicas still migrate (and seed an empty database) themselves.
 */
export async function runMigrations({ paths, databaseUrl }) {
  const log = join(paths.logDir, 'migrate.log');
  const fd = openSync(log, 'a', 0o600);
  try {
    const result = spawnSync(process.execPath, ['scripts/prisma.mjs', 'migrate', 'deploy'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', fd, fd],
      timeout: 180_000,
    });
    if (result.status !== 0) {
      throw new Error(`migrations failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}) — see ${log}`);
    }
  } finally {
    closeSync(fd);
  }
  return log;
}

/**
 * Environment for every replica; stored in state.json (0600) so `start app-N` reproduces it. The
 * URLs carry the private services' passwords: an environment is readable by the process's owner
 * only (/proc/<pid>/environ), a command line by everyone.
 */
export function appEnvironment({ redisUrl, databaseUrl, sessionSecret, jwtKeys, sentinels }) {
  return {
    // REDIS_MODE=sentinel: the replicas find the primary through the Sentinels (REDIS_URL is
    // then only the first primary, used by the exporter and backups).
    ...(sentinels
      ? {
          REDIS_SENTINELS: sentinels.list,
          REDIS_SENTINEL_NAME: sentinels.masterName,
          REDIS_PASSWORD: sentinels.redisPassword,
          REDIS_SENTINEL_PASSWORD: sentinels.sentinelPassword,
        }
      : {}),
    NODE_ENV: process.env.NODE_ENV || 'production',
    LOG_LEVEL: process.env.LOG_LEVEL || 'info',
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: sessionSecret,
    // Production refuses to derive the token key from SESSION_SECRET: one of the cluster's own.
    JWT_KEYS: jwtKeys,
    MIGRATE_ON_START: 'true',
    // Longer than nginx's upstream keepalive_timeout (60 s), see nginx/nginx.conf.template.
    KEEP_ALIVE_TIMEOUT_MS: '65000',
    TRUST_PROXY: '1',
  };
}

/**
 * How every replica's process runs (replica-runtime.json, read by the bench's baseline server
 * too, and copied into the Dockerfile's CMD and ENV: test/unit/compose-files.test.ts keeps them
 * equal). Both are about memory, measured in docs/benchmarking.md.
 *
 * Teaching note: `--max-old-space-size=96`. V8 sizes the heap by the machine's memory and, under
 * load, lets the old generation fill with garbage long before it collects it: a replica grew to
 * ~160 MiB in a 60 s bench while its live heap stayed near 25 MB. A cap of 96 MB makes V8
 * collect sooner — ~113 MiB after the same run, at no throughput cost the bench can see.
 * Capping the young generation too (--max-semi-space-size) saved another ~14 MiB but costs a
 * scavenge every few requests, so it is left at V8's default.
 *
 * Teaching note: `MALLOC_MMAP_THRESHOLD_=131072`. scrypt (logins, and the demo passwords the
 * seeding replica hashes at boot) takes 16 MiB per hash on a libuv worker thread. glibc raises
 * its mmap threshold after the first such block is freed, so the next ones come from per-thread
 * arenas that it keeps: the replica that seeded stayed ~65 MiB above its siblings for good.
 * A fixed threshold makes every large block an mmap that goes back to the system when freed.
 */
const REPLICA_RUNTIME = JSON.parse(readFileSync(join(REPO_ROOT, 'scripts', 'lib', 'replica-runtime.json'), 'utf8'));
export const REPLICA_NODE_FLAGS = REPLICA_RUNTIME.nodeFlags;
export const REPLICA_ENV = REPLICA_RUNTIME.env;

export async function startReplica({ paths, replica, appEnv, track, timeoutMs = 90_000 }) {
  const log = join(paths.logDir, `${replica.id}.log`);
  const child = spawnDetached(process.execPath, [...REPLICA_NODE_FLAGS, 'dist/src/server.js'], {
    cwd: REPO_ROOT,
    logFile: log,
    env: { ...process.env, ...REPLICA_ENV, ...appEnv, PORT: String(replica.port), HOST: replica.host, INSTANCE_ID: replica.id },
  });
  const record = { name: replica.id, pid: child.pid, log, match: 'dist/src/server.js', url: `http://${replica.host}:${replica.port}` };
  track(record.name, record.pid, record.match);
  await waitFor(`${replica.id} /ready`, ok(`${record.url}/ready`), { timeoutMs, child, logFile: log });
  return record;
}

/** nginx in the foreground of its own process (daemon off), so the pid we record is the master. */
export async function startNginx({ topology, paths, confFile, track }) {
  const prefix = join(paths.dir, 'nginx');
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const errorLog = join(paths.logDir, 'nginx-error.log');
  const bin = which('nginx') ?? '/usr/sbin/nginx';
  const base = ['-p', prefix, '-c', confFile, '-e', errorLog];
  // nginx opens its logs itself (0644); made first, they stay 0600. The access log has every
  // request line in it, and nginx -t below would create the error log with the launcher's umask.
  for (const file of [errorLog, join(paths.logDir, 'nginx-access.log')]) privateFile(file);
  const check = spawnSync(bin, [...base, '-t', '-q'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t rejected ${confFile}:\n${check.stderr.trim()}`);
  const log = join(paths.logDir, 'nginx.log');
  const child = spawnDetached(bin, [...base, '-g', 'daemon off;'], { logFile: log });
  track('nginx', child.pid, 'nginx');
  const url = `http://127.0.0.1:${topology.nginxPort}`;
  // Probed on its stub_status listener, which nginx answers itself. Not /health: that is proxied
  // to a replica, and a probe that reaches a replica while it restarts makes nginx bench it
  // (max_fails=1) for fail_timeout — 5 s in which no traffic, and no fault, reaches it.
  const statusUrl = `http://127.0.0.1:${topology.nginxStatusPort}/stub_status`;
  await waitFor('nginx', ok(statusUrl), { timeoutMs: 15_000, child, logFile: errorLog });
  return { name: 'nginx', pid: child.pid, log: errorLog, match: 'nginx', url, statusUrl };
}

/**
 * Exporter command lines for the Debian packages' binaries. Where to scrape and with which
 * password go in the environment (REDIS_ADDR / REDIS_PASSWORD, DATA_SOURCE_NAME), never in the
 * arguments: `ps` shows every process's arguments to every local user.
 */
export function exporterSpecs(topology, { redisUrl, databaseUrl }) {
  const pgDsn = databaseUrl.includes('sslmode=') ? databaseUrl : `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}sslmode=disable`;
  const redis = new URL(redisUrl);
  const redisPassword = decodeURIComponent(redis.password);
  redis.password = '';
  return [
    {
      name: 'redis-exporter',
      bin: 'prometheus-redis-exporter',
      port: topology.exporters.redis,
      args: [`-web.listen-address=127.0.0.1:${topology.exporters.redis}`],
      env: { REDIS_ADDR: redis.toString(), ...(redisPassword ? { REDIS_PASSWORD: redisPassword } : {}) },
    },
    {
      name: 'postgres-exporter',
      bin: 'prometheus-postgres-exporter',
      port: topology.exporters.postgres,
      args: [`--web.listen-address=127.0.0.1:${topology.exporters.postgres}`],
      env: { DATA_SOURCE_NAME: pgDsn },
    },
    {
      name: 'nginx-exporter',
      bin: 'prometheus-nginx-exporter',
      port: topology.exporters.nginx,
      args: [
        `-nginx.scrape-uri=http://127.0.0.1:${topology.nginxStatusPort}/stub_status`,
        `-web.listen-address=127.0.0.1:${topology.exporters.nginx}`,
      ],
      env: {},
    },
  ];
}

export async function startExporter({ paths, spec, track }) {
  const log = join(paths.logDir, `${spec.name}.log`);
  const child = spawnDetached(which(spec.bin), spec.args, { logFile: log, env: { ...process.env, ...spec.env } });
  track(spec.name, child.pid, spec.bin);
  const url = `http://127.0.0.1:${spec.port}`;
  await waitFor(spec.name, ok(`${url}/metrics`), { timeoutMs: 15_000, child, logFile: log });
  return { name: spec.name, pid: child.pid, log, match: spec.bin, url };
}

export async function startPrometheus({ topology, paths, confFile, track }) {
  const log = join(paths.logDir, 'prometheus.log');
  const child = spawnDetached(
    which('prometheus'),
    [
      `--config.file=${confFile}`,
      `--storage.tsdb.path=${join(paths.dir, 'prometheus-data')}`,
      '--storage.tsdb.retention.time=2d',
      // Loopback unless PROMETHEUS_HOST=0.0.0.0, and no lifecycle API: with it, any web page a
      // student opens could stop Prometheus with a cross-site form POST to /-/quit.
      `--web.listen-address=${topology.prometheusHost}:${topology.prometheusPort}`,
    ],
    { logFile: log },
  );
  track('prometheus', child.pid, 'prometheus');
  const url = `http://127.0.0.1:${topology.prometheusPort}`;
  await waitFor('prometheus', ok(`${url}/-/ready`), { timeoutMs: 30_000, child, logFile: log });
  return { name: 'prometheus', pid: child.pid, log, match: 'prometheus', url };
}

/**
 * The lab controller (lab/): its own process, so a crash there never takes a replica or
 * nginx with it. Loopback only; nginx proxies /lab/api/ to it. It reaches the cluster through
 * nginx like any client, and acts on processes through scripts/lib/cluster-control.mjs.
 * Like the bench and the chaos runner it is a tool around the cluster, not part of the replica
 * image, so it runs from its TypeScript source through tsx (`node --import tsx`, one process)
 * and imports the launcher's modules directly.
 */
const LAB_ENTRY = 'lab/lab-server.ts';

export async function startLab({ topology, paths, track, lab }) {
  const log = join(paths.logDir, 'lab.log');
  const child = spawnDetached(process.execPath, ['--import', 'tsx', LAB_ENTRY], {
    cwd: REPO_ROOT,
    logFile: log,
    env: {
      ...process.env,
      NODE_ENV: process.env.NODE_ENV || 'production',
      LAB_HOST: '127.0.0.1',
      LAB_PORT: String(topology.labPort),
      LAB_TOKEN: lab.token,
      CLUSTER_DIR: paths.dir,
      NGINX_URL: `http://127.0.0.1:${topology.nginxPort}`,
      PROMETHEUS_URL: `http://127.0.0.1:${topology.prometheusPort}`,
    },
  });
  track('lab', child.pid, LAB_ENTRY);
  const url = `http://127.0.0.1:${topology.labPort}`;
  await waitFor('lab', ok(`${url}/lab/api/health`), { timeoutMs: 30_000, child, logFile: log });
  return { name: 'lab', pid: child.pid, log, match: LAB_ENTRY, url };
}

/** One readiness probe per kind of component, for `status`; `secrets` are the cluster's passwords. */
export async function probe(record, secrets = {}) {
  const password = record.auth ? secrets[record.auth] : undefined;
  // Redis, its replica and the Sentinels all answer PING.
  if (record.url?.startsWith('redis://')) return redisPing(Number(new URL(record.url).port), { password });
  if (record.name === 'postgres') {
    try {
      await pgQuery({ port: Number(new URL(record.url).port), password, sql: 'SELECT 1' });
      return true;
    } catch {
      return false;
    }
  }
  if (record.statusUrl) return (await httpStatus(record.statusUrl)) === 200;
  const paths = { prometheus: '/-/ready', lab: '/lab/api/health' };
  const path = record.name.startsWith('app-') ? '/ready' : (paths[record.name] ?? '/metrics');
  return (await httpStatus(`${record.url}${path}`)) === 200;
}
