// Process helpers shared by the launcher and the private Redis/PostgreSQL starters.
// Plain ESM, no npm dependencies: these run before `npm ci` may have happened.
import { execFileSync, spawn } from 'node:child_process';
import { openSync, closeSync, fchmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import net from 'node:net';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Clock ticks per second of /proc's CPU times (USER_HZ), from the system rather than assumed. */
let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * The one reader of /proc/<pid>/stat (proc(5)): the state letter (R running, S sleeping, T
 * stopped by a signal, Z zombie), the parent pid and the CPU seconds the process itself used
 * (user + system). Undefined when there is no such process or no /proc.
 */
export function procStat(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond() };
}

/**
 * CPU seconds used so far by a process and its live children (nginx's work is done by its
 * workers, not by the master whose pid the launcher records); null once it is gone.
 */
export function cpuSecondsWithChildren(pid) {
  const own = procStat(pid);
  if (!own) return null;
  let total = own.cpuSeconds;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    const child = procStat(Number(entry));
    if (child?.ppid === pid) total += child.cpuSeconds;
  }
  return total;
}

/** Resident set size in MiB (Linux /proc), or null where it cannot be read. */
export function rssMiB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

/**
 * True when a process with this pid exists and is not a zombie. A detached child whose
 * launcher has exited is reaped by init, which may take a while; until then kill(pid, 0) still
 * succeeds, so the state letter in /proc/<pid>/stat decides.
 */
export function isPidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (!stat) return process.platform !== 'linux';
  return stat.state !== 'Z';
}

/** Reads a pid file written by us (or by redis/postgres: first line is the pid). */
export function readPidFile(file) {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0].trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function writePidFile(file, pid) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${pid}\n`);
}

export function removeFile(file) {
  rmSync(file, { force: true });
}

/**
 * Stops one process by pid: `signal` first, SIGKILL once `timeoutMs` has passed.
 * Resolves when the pid is gone. Never signals a process group or a name, only this pid.
 */
export async function stopPid(pid, { signal = 'SIGTERM', timeoutMs = 10_000 } = {}) {
  if (!isPidAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isPidAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!isPidAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  const killDeadline = Date.now() + 5_000;
  while (isPidAlive(pid) && Date.now() < killDeadline) await sleep(50);
}

/** Files a service creates are its owner's alone: logs, Redis's AOF, nginx's temp files, Prometheus's data. */
const SERVICE_UMASK = 0o077;

/**
 * Spawns a long-running process detached from the caller (own session, no TTY, no stdin),
 * with stdout and stderr appended to `logFile`. The child survives the caller's exit, which is
 * what `cluster up` needs; `demo` stops it explicitly on Ctrl-C.
 * Resolves with the ChildProcess; `child.exitInfo` is filled in if it exits early.
 *
 * The log is 0600 and the child starts with umask 077, so nothing it writes is readable by other
 * local users: a log line may carry a request's path, a cookie name, an error with a URL. Node
 * forks inside spawn(), so the umask set around it is the child's; the caller's is put back
 * at once (this runs on a main thread: the launcher's, or the lab controller's).
 */
export function spawnDetached(command, args, { logFile, env = process.env, cwd, uid, gid } = {}) {
  mkdirSync(dirname(logFile), { recursive: true, mode: 0o700 });
  const fd = openSync(logFile, 'a', 0o600);
  const previousUmask = process.umask(SERVICE_UMASK);
  try {
    // An existing log (a restart) keeps its inode: make it private too.
    fchmodSync(fd, 0o600);
    const child = spawn(command, args, {
      cwd,
      env,
      uid,
      gid,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.exitInfo = undefined;
    child.on('exit', (code, signal) => {
      child.exitInfo = { code, signal };
    });
    child.on('error', (err) => {
      child.exitInfo = { code: null, signal: null, error: err };
    });
    child.unref();
    return child;
  } finally {
    process.umask(previousUmask);
    closeSync(fd);
  }
}

/** True when something accepts TCP connections on host:port within timeoutMs. */
export function isPortOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picked it). */
export function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `probe` until it resolves truthy. Fails after `timeoutMs`, or at once when `child`
 * (if given) has exited — the error then points at `logFile`.
 */
export async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 200, child, logFile } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    if (child?.exitInfo) {
      const { code, signal, error } = child.exitInfo;
      const why = error ? error.message : `exited with ${signal ?? `code ${code}`}`;
      throw new Error(`${what}: process ${why} before it was ready${logFile ? ` — see ${logFile}` : ''}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `${what}: not ready after ${Math.round(timeoutMs / 1000)} s${detail}${logFile ? ` — see ${logFile}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}
