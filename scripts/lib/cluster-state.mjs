// What the launcher started, recorded under the cluster dir: one pid file per component
// (<dir>/pids/<name>.pid) and state.json with how to reach and restart each one. `down`,
// `status`, `stop` and `start` work from these records only, so the launcher never touches a
// process it did not start.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isPidAlive, readPidFile, removeFile, stopPid, writePidFile } from './processes.mjs';

export function statePaths(clusterDir) {
  return {
    dir: clusterDir,
    stateFile: join(clusterDir, 'state.json'),
    pidDir: join(clusterDir, 'pids'),
    logDir: join(clusterDir, 'logs'),
    configDir: join(clusterDir, 'config'),
  };
}

export function readState(clusterDir) {
  const { stateFile } = statePaths(clusterDir);
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

/** state.json holds the session secret handed to the replicas, so only its owner may read it. */
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
