// How each native component starts and how we know it is ready. Every start returns the
// record the launcher keeps in state.json: name, pid, log file, the command-line fragment that
// identifies the pid as ours (`match`), and how to stop it.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { spawnDetached, waitFor } from './processes.mjs';
import { pgQuery, redisPing, startPostgres, startRedis, which } from './private-services.mjs';
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

// Every start takes `track(name, pid, match)`, called right after the spawn: the pid file then
// exists before the readiness wait, so an interrupted or failed start can still be cleaned up.

export async function startPrivateRedis({ topology, paths, track }) {
  const onSpawn = (pid) => track('redis', pid, 'redis-server');
  const redis = await startRedis({ port: topology.redisPort, dir: join(paths.dir, 'redis'), onSpawn });
  return { name: 'redis', pid: redis.pid, log: redis.logFile, match: 'redis-server', url: redis.url };
}

export async function startPrivatePostgres({ topology, paths, track }) {
  const onSpawn = (pid) => track('postgres', pid, 'postgres');
  const pg = await startPostgres({ port: topology.postgresPort, dir: join(paths.dir, 'postgres'), timeoutMs: 60_000, onSpawn });
  return {
    name: 'postgres',
    pid: pg.pid,
    log: pg.logFile,
    match: 'postgres',
    url: pg.url,
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
  const fd = openSync(log, 'a');
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

/** Environment for every replica; stored in state.json so `start app-N` reproduces it. */
export function appEnvironment({ redisUrl, databaseUrl, sessionSecret }) {
  return {
    NODE_ENV: process.env.NODE_ENV || 'production',
    LOG_LEVEL: process.env.LOG_LEVEL || 'info',
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: sessionSecret,
    MIGRATE_ON_START: 'true',
    // Longer than nginx's upstream keepalive_timeout (60 s), see nginx/nginx.conf.template.
    KEEP_ALIVE_TIMEOUT_MS: '65000',
    TRUST_PROXY: '1',
  };
}

export async function startReplica({ paths, replica, appEnv, track, timeoutMs = 90_000 }) {
  const log = join(paths.logDir, `${replica.id}.log`);
  const child = spawnDetached(process.execPath, ['dist/src/server.js'], {
    cwd: REPO_ROOT,
    logFile: log,
    env: { ...process.env, ...appEnv, PORT: String(replica.port), HOST: replica.host, INSTANCE_ID: replica.id },
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
  const check = spawnSync(bin, [...base, '-t', '-q'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t rejected ${confFile}:\n${check.stderr.trim()}`);
  const log = join(paths.logDir, 'nginx.log');
  const child = spawnDetached(bin, [...base, '-g', 'daemon off;'], { logFile: log });
  track('nginx', child.pid, 'nginx');
  const url = `http://127.0.0.1:${topology.nginxPort}`;
  await waitFor('nginx', ok(`${url}/health`), { timeoutMs: 15_000, child, logFile: errorLog });
  return { name: 'nginx', pid: child.pid, log: errorLog, match: 'nginx', url };
}

/** Exporter command lines for the Debian packages' binaries. */
export function exporterSpecs(topology, { redisUrl, databaseUrl }) {
  const pgDsn = databaseUrl.includes('sslmode=') ? databaseUrl : `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}sslmode=disable`;
  return [
    {
      name: 'redis-exporter',
      bin: 'prometheus-redis-exporter',
      port: topology.exporters.redis,
      args: [`-redis.addr=${redisUrl}`, `-web.listen-address=127.0.0.1:${topology.exporters.redis}`],
      env: {},
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
      `--web.listen-address=0.0.0.0:${topology.prometheusPort}`,
      '--web.enable-lifecycle',
    ],
    { logFile: log },
  );
  track('prometheus', child.pid, 'prometheus');
  const url = `http://127.0.0.1:${topology.prometheusPort}`;
  await waitFor('prometheus', ok(`${url}/-/ready`), { timeoutMs: 30_000, child, logFile: log });
  return { name: 'prometheus', pid: child.pid, log, match: 'prometheus', url };
}

/** One readiness probe per kind of component, for `status`. */
export async function probe(record) {
  if (record.name === 'redis') return redisPing(new URL(record.url).port);
  if (record.name === 'postgres') {
    try {
      await pgQuery({ port: Number(new URL(record.url).port), sql: 'SELECT 1' });
      return true;
    } catch {
      return false;
    }
  }
  const path = record.name.startsWith('app-') ? '/ready' : record.name === 'nginx' ? '/health' : record.name === 'prometheus' ? '/-/ready' : '/metrics';
  return (await httpStatus(`${record.url}${path}`)) === 200;
}
