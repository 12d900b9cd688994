#!/usr/bin/env node
// The native statelab cluster: private Redis and PostgreSQL, N replicas, nginx, exporters and
// Prometheus on one machine, no Docker.
//   node scripts/cluster.mjs demo                 foreground; Ctrl-C stops everything it started
//   node scripts/cluster.mjs up | down [--clean]  detached, for scripts and tests
//   node scripts/cluster.mjs status | logs [component] [-f]
//   node scripts/cluster.mjs stop|kill|pause|resume|start <component>   (app-N, redis, postgres, lab)
//   node scripts/cluster.mjs restart [app-N]     one replica, or every replica in turn
//   node scripts/cluster.mjs backup [dir] | restore <dir>   PostgreSQL + Redis (scripts/lib/backup.mjs)
//   node scripts/cluster.mjs help                 every setting and its env variable
// State (pid files, logs, rendered configs, data) lives in .cluster/ or $CLUSTER_DIR.
// Plain ESM with no npm dependencies: it runs on a fresh clone before `npm ci`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { loadTopology, portsInUse, REPO_ROOT, SETTINGS } from './lib/topology.mjs';
import { renderNginx, renderPrometheus } from './lib/render-config.mjs';
import { ensureBuild, ensureNodeModules } from './lib/prerequisites.mjs';
import { ensureSystemPackages } from './lib/system-packages.mjs';
import { isPortOpen, sleep, waitFor } from './lib/processes.mjs';
import { acquireLock, releaseLock } from './lib/cluster-lock.mjs';
import {
  livePid,
  loadSecrets,
  makeClusterDirs,
  readState,
  recordPid,
  removeState,
  statePaths,
  stopComponent,
  writeState,
} from './lib/cluster-state.mjs';
import {
  appEnvironment,
  exporterSpecs,
  redacted,
  withPassword,
  runMigrations,
  startExporter,
  startLab,
  startNginx,
  startPrivatePostgres,
  startPrivateRedis,
  startPrivateSentinel,
  startPrometheus,
  startReplica,
  sentinelList,
} from './lib/components.mjs';
import { postgresFallbackFolder, redisCli } from './lib/private-services.mjs';
import { ACTIONS, act, inspectCluster, rollingRestart } from './lib/cluster-control.mjs';
import { backup, restore } from './lib/backup.mjs';

// `cluster status | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const say = (msg) => console.log(`[cluster] ${msg}`);
const warn = (msg) => console.log(`[cluster] warning: ${msg}`);

/** Runs one startup step with a start line, a "still waiting" line every 5 s and a result line. */
async function step(name, detail, fn) {
  const label = name.padEnd(18);
  say(`${label}starting${detail ? ` — ${detail}` : ''}`);
  const started = Date.now();
  const ticker = setInterval(() => say(`${label}still waiting (${Math.round((Date.now() - started) / 1000)} s)…`), 5_000);
  try {
    const result = await fn();
    say(`${label}ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } catch (err) {
    say(`${label}FAILED: ${err.message}`);
    throw err;
  } finally {
    clearInterval(ticker);
  }
}

function runningComponents(clusterDir, state) {
  return (state?.components ?? []).filter((c) => livePid(clusterDir, c.name, c.match));
}

/** Ports we are about to listen on that something else already holds. */
async function portConflicts(topology, available) {
  const optional = new Set(['redis-exporter', 'postgres-exporter', 'nginx-exporter']);
  const conflicts = [];
  for (const entry of portsInUse(topology)) {
    if (optional.has(entry.owner) && !available.has(entry.owner)) continue;
    if (await isPortOpen('127.0.0.1', entry.port)) conflicts.push(entry);
  }
  return conflicts;
}

/** Stops components in reverse start order; the replicas together. */
async function stopAll(clusterDir, components) {
  const reversed = [...components].reverse();
  const apps = reversed.filter((c) => c.name.startsWith('app-'));
  for (const c of reversed) {
    if (c.name.startsWith('app-')) {
      if (c === apps[0]) {
        await Promise.all(apps.map(async (a) => (await stopComponent(clusterDir, a)) && say(`stopped ${a.name}`)));
      }
      continue;
    }
    if (await stopComponent(clusterDir, c)) say(`stopped ${c.name}`);
  }
}

async function up(topology, { foreground = false } = {}) {
  const paths = statePaths(topology.clusterDir);
  const existing = readState(topology.clusterDir);
  if (runningComponents(topology.clusterDir, existing).length) {
    say(`already running (state in ${relative(REPO_ROOT, paths.dir) || paths.dir}); nothing started.`);
    printUrls(existing);
    say('stop it with: npm run cluster -- down');
    return { alreadyRunning: true, state: existing };
  }

  ensureNodeModules(say);
  const { available } = ensureSystemPackages('demo', {
    log: say,
    warn,
    hint: '(or point REDIS_URL / DATABASE_URL at running servers to skip the private ones)',
  });
  const conflicts = await portConflicts(topology, available);
  if (conflicts.length) {
    const lines = conflicts.map((c) => `  port ${c.port} (${c.owner}) is already in use — free it or set ${c.envName} to another port`);
    throw new Error(`cannot start:\n${lines.join('\n')}\n  e.g. ${conflicts[0].envName}=${conflicts[0].port + 10000} npm run ${foreground ? 'demo' : 'cluster -- up'}`);
  }
  ensureBuild(say);

  makeClusterDirs(topology.clusterDir);
  const secrets = loadSecrets(topology.clusterDir);
  const state = {
    startedAt: new Date().toISOString(),
    foreground,
    topology: { ...topology },
    components: [],
    appEnv: undefined,
    // The passwords of the private services (kept in secrets.json across restarts) and the
    // token of the lab's buttons; state.json is readable by its owner only.
    secrets,
    lab: { token: randomBytes(24).toString('hex') },
  };
  const track = (name, pid, match) => recordPid(topology.clusterDir, name, pid, match);
  const remember = (record) => {
    state.components.push(record);
    writeState(topology.clusterDir, state);
    return record;
  };
  writeState(topology.clusterDir, state);

  try {
    let redisUrl = topology.redisUrl;
    if (!redisUrl) {
      const record = remember(await step('redis', `private, 127.0.0.1:${topology.redisPort}, password in state.json`, () => startPrivateRedis({ topology, paths, track, secrets })));
      redisUrl = withPassword(record.url, secrets.redisPassword);
      if (topology.redisMode === 'sentinel') await startRedisHa(topology, paths, track, remember, secrets);
    } else say(`redis             using REDIS_URL (not started by us)`);
    let databaseUrl = topology.databaseUrl;
    if (!databaseUrl) {
      const record = remember(
        await step('postgres', `private, 127.0.0.1:${topology.postgresPort}, data in ${relative(REPO_ROOT, paths.dir)}/postgres, password in state.json`, () =>
          startPrivatePostgres({ topology, paths, track, secrets }),
        ),
      );
      databaseUrl = withPassword(record.url, secrets.postgresPassword);
    } else say(`postgres          using DATABASE_URL (not started by us)`);

    if (existsSync(join(REPO_ROOT, 'scripts', 'prisma.mjs'))) {
      await step('migrations', 'prisma migrate deploy', () => runMigrations({ paths, databaseUrl }));
    } else warn('scripts/prisma.mjs missing: the replicas will migrate the database as they start');

    const sentinels =
      topology.redisMode === 'sentinel'
        ? { list: sentinelList(topology), masterName: topology.redisHa.masterName, redisPassword: secrets.redisPassword, sentinelPassword: secrets.sentinelPassword }
        : undefined;
    // A session secret and a token key of this cluster's own, new at every `up` (sessions and
    // tokens of an earlier run end with it): never a published value, which production refuses.
    state.appEnv = appEnvironment({
      redisUrl,
      databaseUrl,
      sessionSecret: randomBytes(24).toString('hex'),
      jwtKeys: `k1=${randomBytes(32).toString('hex')}`,
      sentinels,
    });
    state.urls = { redis: redisUrl, database: databaseUrl };
    writeState(topology.clusterDir, state);
    const replicas = await Promise.allSettled(
      topology.replicas.map((replica) =>
        step(replica.id, `127.0.0.1:${replica.port}`, () => startReplica({ paths, replica, appEnv: state.appEnv, track })),
      ),
    );
    for (const r of replicas) if (r.status === 'fulfilled') remember(r.value);
    const failed = replicas.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;

    const nginxConf = join(paths.configDir, 'nginx.conf');
    const promConf = join(paths.configDir, 'prometheus.yml');
    writeFileSync(nginxConf, renderNginx(topology, 'native'));
    writeFileSync(promConf, renderPrometheus(topology, 'native'));
    remember(await step('nginx', `0.0.0.0:${topology.nginxPort}, stub_status 127.0.0.1:${topology.nginxStatusPort}`, () => startNginx({ topology, paths, confFile: nginxConf, track })));

    for (const spec of exporterSpecs(topology, { redisUrl, databaseUrl })) {
      if (!available.has(spec.name)) continue;
      try {
        remember(await step(spec.name, `127.0.0.1:${spec.port}`, () => startExporter({ paths, spec, track })));
      } catch (err) {
        await stopComponent(topology.clusterDir, { name: spec.name });
        warn(`${spec.name} did not start (${err.message}); continuing without it`);
      }
    }
    remember(await step('prometheus', `${topology.prometheusHost}:${topology.prometheusPort}`, () => startPrometheus({ topology, paths, confFile: promConf, track })));
    // The lab controller is a convenience on top of a working cluster: if it fails, the cluster
    // still serves every route and the page shows the controller as unavailable.
    try {
      remember(await step('lab', `127.0.0.1:${topology.labPort} (behind nginx at /lab/api/)`, () => startLab({ topology, paths, track, lab: state.lab })));
    } catch (err) {
      await stopComponent(topology.clusterDir, { name: 'lab' });
      warn(`the lab controller did not start (${err.message}); the page is read-only until \`npm run cluster -- start lab\``);
    }
  } catch (err) {
    say('startup failed; stopping what was started…');
    await stopAll(topology.clusterDir, state.components);
    await stopStrayPids(topology.clusterDir);
    removeState(topology.clusterDir);
    throw err;
  }
  state.readyAt = new Date().toISOString();
  writeState(topology.clusterDir, state);
  printUrls(state);
  return { alreadyRunning: false, state };
}

/**
 * REDIS_MODE=sentinel: the replica of the private Redis and three Sentinels. Ready only when the
 * replica has copied the primary and every Sentinel knows the replica and the other two — before
 * that, losing the primary could not be repaired.
 */
async function startRedisHa(topology, paths, track, remember, secrets) {
  const { redisHa } = topology;
  remember(
    await step('redis-replica', `private, 127.0.0.1:${redisHa.replicaPort}, replica of 127.0.0.1:${topology.redisPort}`, async () => {
      const record = await startPrivateRedis({ topology, paths, track, secrets, name: 'redis-replica' });
      await waitFor(
        'the replica to copy the primary',
        () => /master_link_status:up/.test(redisCli(redisHa.replicaPort, ['INFO', 'replication'], { password: secrets.redisPassword })),
        { timeoutMs: 30_000 },
      );
      return record;
    }),
  );
  for (const s of redisHa.sentinels) {
    remember(
      await step(s.id, `127.0.0.1:${s.port}, watching "${redisHa.masterName}" (quorum ${redisHa.quorum})`, () =>
        startPrivateSentinel({ topology, paths, track, secrets, name: s.id, fresh: true }),
      ),
    );
  }
  await step('sentinels', 'each one seeing the replica and the other two', () =>
    waitFor(
      'the Sentinels to find each other',
      () =>
        redisHa.sentinels.every((s) => {
          // redis-cli prints the reply's field names and values on alternate lines.
          const lines = redisCli(s.port, ['SENTINEL', 'master', redisHa.masterName], { password: secrets.sentinelPassword }).split('\n');
          const field = (name) => (lines.includes(name) ? Number(lines[lines.indexOf(name) + 1]) : 0);
          return field('num-slaves') >= 1 && field('num-other-sentinels') >= redisHa.sentinels.length - 1;
        }),
      { timeoutMs: 30_000 },
    ),
  );
}

/** Any pid file without a state entry (a start that failed or was interrupted) is stopped too. */
async function stopStrayPids(clusterDir) {
  const { pidDir } = statePaths(clusterDir);
  if (!existsSync(pidDir)) return;
  for (const file of readdirSync(pidDir)) {
    const name = file.replace(/\.pid$/, '');
    if (await stopComponent(clusterDir, { name })) say(`stopped ${name}`);
  }
}

/**
 * The page's URL with the token that unlocks its buttons. Teaching note: in the #fragment, which
 * a browser never sends to the server: a `?token=` query would be in nginx's access log, the
 * browser's history and every Referer. The page reads it from location.hash and removes it.
 */
function labUrl(state) {
  const base = `http://localhost:${state.topology.nginxPort}/`;
  return state.lab?.token ? `${base}#token=${state.lab.token}` : base;
}

function printUrls(state) {
  const t = state.topology;
  const rel = relative(REPO_ROOT, t.clusterDir) || t.clusterDir;
  const names = new Set(state.components.map((c) => c.name));
  const lines = [
    '',
    'statelab is ready',
    `  open the lab     ${labUrl(state)}`,
    `  API              http://localhost:${t.nginxPort}/api/v1/`,
    `  try              curl -i http://localhost:${t.nginxPort}/api/v1/stateless/info`,
    `  replicas         ${t.replicas.map((r) => `${r.id} http://127.0.0.1:${r.port}`).join('   ')}`,
    `  Prometheus       http://localhost:${t.prometheusPort}/${t.prometheusHost === '127.0.0.1' ? '   (this machine only; PROMETHEUS_HOST=0.0.0.0 opens it)' : ''}`,
    `  Redis            ${redacted(state.urls?.redis ?? t.redisUrl)}${names.has('redis') ? ' (private; its password is in state.json)' : ''}`,
    ...(t.redisMode === 'sentinel'
      ? [
          `  Redis HA         replica 127.0.0.1:${t.redisHa.replicaPort}; Sentinels ${t.redisHa.sentinels.map((s) => s.port).join(', ')} ("${t.redisHa.masterName}")`,
          `  failover         npm run cluster -- kill redis   (or: npm run chaos -- redis-failover)`,
        ]
      : []),
    `  PostgreSQL       ${redacted(state.urls?.database ?? t.databaseUrl)}${names.has('postgres') ? ' (private; its password is in state.json)' : ''}`,
    `  logs             ${rel}/logs/   (npm run cluster -- logs app-2)`,
    `  chaos            npm run cluster -- stop|kill|pause|resume|start app-2   (or the lab page's buttons)`,
    `  lab checks       npm run lab -- list   /   npm run lab -- check 1`,
    `  stop             ${state.foreground ? 'Ctrl-C' : 'npm run cluster -- down'}`,
    '',
  ];
  console.log(lines.join('\n'));
}

async function down(topology, { clean = false } = {}) {
  const state = readState(topology.clusterDir);
  if (!state) say('no cluster state found; nothing of ours is running.');
  else await stopAll(topology.clusterDir, state.components);
  await stopStrayPids(topology.clusterDir);
  removeState(topology.clusterDir);
  if (clean) {
    // A root launcher's PostgreSQL may keep its data in a private temp folder (private-services.mjs).
    const fallback = existsSync(topology.clusterDir) ? postgresFallbackFolder(join(topology.clusterDir, 'postgres')) : undefined;
    if (fallback) rmSync(fallback, { recursive: true, force: true });
    rmSync(topology.clusterDir, { recursive: true, force: true });
    say(`removed ${topology.clusterDir}${fallback ? ` and ${fallback}` : ''}`);
  }
  say('down.');
}

async function status(topology) {
  const state = readState(topology.clusterDir);
  if (!state) {
    say('not running (no state).');
    return 3;
  }
  const components = await inspectCluster(topology.clusterDir);
  for (const c of components) {
    const ready = c.role ? `ready, ${c.role}` : 'ready';
    const word = c.state === 'down' ? 'stopped' : c.state === 'paused' ? 'paused (SIGSTOP)' : c.ready ? ready : 'running, not ready';
    console.log(`  ${c.name.padEnd(18)}${word.padEnd(20)}${String(c.pid ?? '-').padEnd(9)}${c.url}`);
  }
  console.log(`\n  lab page: ${labUrl(state)}`);
  const healthy = components.filter((c) => c.ready).length;
  if (healthy === components.length) return 0;
  return healthy === 0 ? 3 : 1;
}

/** stop/kill/pause/resume/start of one component, through the one process-control module. */
async function control(topology, action, name) {
  if (!readState(topology.clusterDir)) throw new Error('no cluster is running here (no state); start one with: npm run cluster -- up');
  if (action === 'start') say(`${name}: starting…`);
  say(await act(topology.clusterDir, name, action, { operator: true }));
}

async function restart(topology, name) {
  if (name) {
    await control(topology, 'stop', name);
    await control(topology, 'start', name);
    return;
  }
  say('rolling restart: each replica in turn, the others keep serving');
  await rollingRestart(topology.clusterDir, { onStep: say });
}

function logs(topology, name, follow) {
  const { logDir } = statePaths(topology.clusterDir);
  if (!existsSync(logDir)) throw new Error(`no logs yet in ${logDir}`);
  const files = readdirSync(logDir)
    .filter((f) => f.endsWith('.log') && (!name || f === `${name}.log` || f.startsWith(`${name}-`)))
    .map((f) => join(logDir, f));
  if (!files.length) throw new Error(`no log for "${name}" in ${logDir}; have: ${readdirSync(logDir).join(', ')}`);
  const args = ['-n', name ? '100' : '20', ...(follow ? ['-F'] : []), ...files];
  return new Promise((resolve) => spawn('tail', args, { stdio: ['ignore', 'inherit', 'inherit'] }).on('exit', (code) => resolve(code ?? 0)));
}

/** Foreground mode: up, then wait for Ctrl-C (or SIGTERM/SIGHUP) and stop everything. */
async function demo(topology) {
  let stopping = false;
  let ownsCluster = true;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log('');
    if (ownsCluster) {
      say(`${signal}: stopping everything this demo started…`);
      // Also mid-start: every spawn has a pid file the moment it exists.
      await down(topology);
    }
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(signal));
  await acquireLock(topology.clusterDir);
  let result;
  try {
    result = await up(topology, { foreground: true });
  } finally {
    releaseLock(topology.clusterDir);
  }
  if (result.alreadyRunning) {
    ownsCluster = false;
    return 0;
  }
  say('running in the foreground; press Ctrl-C to stop.');
  const seen = new Map();
  for (;;) {
    await sleep(2_000);
    const state = readState(topology.clusterDir);
    if (!state) {
      say('cluster state removed (cluster down from elsewhere?); exiting.');
      return 0;
    }
    for (const c of state.components) {
      const alive = Boolean(livePid(topology.clusterDir, c.name, c.match));
      if (seen.has(c.name) && seen.get(c.name) !== alive) say(`${c.name} is ${alive ? 'running again' : 'no longer running'}`);
      seen.set(c.name, alive);
    }
  }
}

function help() {
  console.log(`usage: node scripts/cluster.mjs <command>
  demo                      start everything in the foreground; Ctrl-C stops it
  up | down [--clean]       start detached / stop (and remove .cluster/)
  status                    every component, its pid, whether it is ready; the lab URL
  logs [component] [-f]     tail the logs
  stop|kill|pause|resume|start <component>
                            chaos by hand: app-N, redis, postgres (when private); lab (stop/start);
                            REDIS_MODE=sentinel adds redis-replica, sentinel-1..3
  restart [app-N]           one replica, or every replica in turn (rolling restart)
  backup [dir]              PostgreSQL dump + Redis snapshot + manifest (default backups/<time>/)
  restore <dir>             put a backup back: the database, then Redis (replicas keep running)

Settings (environment variables, defaults in brackets):`);
  for (const [name, def, doc] of SETTINGS) console.log(`  ${name.padEnd(24)}[${def}] ${doc}`);
  console.log(`  ${'CLUSTER_DIR'.padEnd(24)}[.cluster] state dir: pid files, logs, configs, data (private to you)
  ${'PROMETHEUS_HOST'.padEnd(24)}[127.0.0.1] where Prometheus listens; 0.0.0.0 opens it to the network (it has no login)
  ${'REDIS_MODE'.padEnd(24)}[standalone] sentinel: a primary, a replica and three Sentinels; replicas follow failovers
  ${'REDIS_URL'.padEnd(24)}[private Redis] use this Redis instead of starting one
  ${'DATABASE_URL'.padEnd(24)}[private PostgreSQL] use this PostgreSQL instead of starting one`);
}

async function main(argv) {
  const [command = 'help', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    help();
    return 0;
  }
  const topology = loadTopology();
  // demo takes the lock only while starting, so `stop app-2` works while it runs.
  const needsLock = ['up', 'down', 'restart', 'restore', ...ACTIONS].includes(command);
  if (needsLock) await acquireLock(topology.clusterDir);
  try {
    switch (command) {
      case 'demo':
        return await demo(topology);
      case 'up':
        await up(topology);
        return 0;
      case 'down':
        await down(topology, { clean: rest.includes('--clean') });
        return 0;
      case 'status':
        return await status(topology);
      case 'logs':
        return await logs(topology, rest.find((a) => !a.startsWith('-')), rest.includes('-f') || rest.includes('--follow'));
      case 'stop':
      case 'kill':
      case 'pause':
      case 'resume':
      case 'start': {
        const name = rest[0];
        if (!name) throw new Error(`usage: cluster.mjs ${command} <component>   e.g. ${command} app-2`);
        await control(topology, command, name);
        return 0;
      }
      case 'restart':
        await restart(topology, rest[0]);
        return 0;
      case 'backup': {
        const { dir, manifest } = await backup(topology.clusterDir, rest[0]);
        say(`backup written to ${dir}: ${JSON.stringify(manifest.counts)}`);
        return 0;
      }
      case 'restore': {
        if (!rest[0]) throw new Error('usage: cluster.mjs restore <backup dir>');
        const { expected, restored } = await restore(topology.clusterDir, rest[0]);
        say(`restored ${rest[0]}: ${JSON.stringify(restored)} (the backup held ${JSON.stringify(expected)})`);
        return 0;
      }
      default:
        help();
        return 2;
    }
  } finally {
    if (needsLock) releaseLock(topology.clusterDir);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[cluster] error: ${err.message}`);
    process.exit(1);
  },
);
