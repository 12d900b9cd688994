// What the launcher started, recorded under the cluster dir: one pid file per component
// (<dir>/pids/<name>.pid) and state.json with how to reach and restart each one. `down`,
// `status`, `stop` and `start` work from these records only, so the launcher never touches a
// process it did not start.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isPidAlive, readPidFile, removeFile, stopPid, writePidFile } from './processes.mjs';

export function statePaths(clusterDir) {
  return {
    dir: clusterDir,
    stateFile: join(clusterDir, 'state.json'),
    secretsFile: join(clusterDir, 'secrets.json'),
    pidDir: join(clusterDir, 'pids'),
    logDir: join(clusterDir, 'logs'),
    configDir: join(clusterDir, 'config'),
  };
}

/**
 * The cluster folder and the folders in it that hold what others must not read (logs, configs,
 * pid files), made private whatever existed before. Teaching note: the folder itself is 0700,
 * except for a root launcher, where it is 0711 — others may pass through it but not list it —
 * because root's nginx workers run as `nobody` and its PostgreSQL as `postgres`, and each must
 * reach its own folder below (nginx/tmp, postgres). Everything secret in it is private on its
 * own: state.json and secrets.json 0600, logs/ 0700 with 0600 files, each service's folder 0700.
 */
export function makeClusterDirs(clusterDir) {
  const paths = statePaths(clusterDir);
  mkdirSync(paths.dir, { recursive: true });
  chmodSync(paths.dir, process.getuid?.() === 0 ? 0o711 : 0o700);
  for (const dir of [paths.pidDir, paths.logDir, paths.configDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  return paths;
}

/**
 * The passwords of this cluster's private Redis, Sentinels and PostgreSQL: generated on the first
 * `up` and kept in secrets.json (0600) across `down` and `up` — PostgreSQL's data folder keeps
 * its superuser's password — until `down --clean` removes the folder. Hex: safe in a URL, a
 * config file and an SQL literal alike.
 */
export function loadSecrets(clusterDir) {
  const { secretsFile } = statePaths(clusterDir);
  const fresh = () => randomBytes(24).toString('hex');
  const existing = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {};
  const secrets = {
    redisPassword: existing.redisPassword ?? fresh(),
    sentinelPassword: existing.sentinelPassword ?? fresh(),
    postgresPassword: existing.postgresPassword ?? fresh(),
  };
  mkdirSync(clusterDir, { recursive: true });
  writeFileSync(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(secretsFile, 0o600);
  return secrets;
}

export function readState(clusterDir) {
  const { stateFile } = statePaths(clusterDir);
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

/** state.json holds the secrets handed to the replicas and the lab token, so only its owner may read it. */
export function writeState(clusterDir, state) {
  const { stateFile } = statePaths(clusterDir);
  mkdirSync(clusterDir, { recursive: true });
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(stateFile, 0o600);
}

export function removeState(clusterDir) {
  rmSync(statePaths(clusterDir).stateFile, { force: true });
}

export function pidFileOf(clusterDir, name) {
  return join(statePaths(clusterDir).pidDir, `${name}.pid`);
}

/** Pid file: the pid, then the command-line fragment that proves the pid is still ours. */
export function recordPid(clusterDir, name, pid, match) {
  writePidFile(pidFileOf(clusterDir, name), match ? `${pid}\n${match}` : pid);
}

function matchInPidFile(file) {
  try {
    return readFileSync(file, 'utf8').split('\n')[1]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The live pid of a component, or undefined. A pid counts only while its command line still
 * contains `match` — after a reboot the same number may belong to someone else's process.
 */
export function livePid(clusterDir, name, match = matchInPidFile(pidFileOf(clusterDir, name))) {
  const pid = readPidFile(pidFileOf(clusterDir, name));
  if (!pid || !isPidAlive(pid)) return undefined;
  if (match) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!cmdline.includes(match)) return undefined;
    } catch {
      // no /proc (not Linux): trust the pid file
    }
  }
  return pid;
}

/** Stops one recorded component by its pid and forgets the pid file. */
export async function stopComponent(clusterDir, component) {
  const pid = livePid(clusterDir, component.name, component.match);
  if (pid) await stopPid(pid, { signal: component.stopSignal ?? 'SIGTERM', timeoutMs: component.stopTimeoutMs ?? 10_000 });
  removeFile(pidFileOf(clusterDir, component.name));
  return Boolean(pid);
}
