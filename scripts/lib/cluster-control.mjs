// The ONE implementation of "do something to a component of a running native cluster". Used by
// `npm run cluster -- stop|start|kill|pause|resume|restart`, by the lab controller's chaos
// buttons (lab/) and by the chaos tooling — never a second copy of process control.
// It acts only on components recorded in state.json, by pid, with names from that record:
// no shell, no name built from input reaches a command line.
// Callers that may race with other launcher commands hold the cluster lock (cluster-lock.mjs).
import { acquireLock, releaseLock } from './cluster-lock.mjs';
import { livePid, readState, recordPid, statePaths, stopComponent, writeState } from './cluster-state.mjs';
import { probe, startLab, startPrivatePostgres, startPrivateRedis, startPrivateSentinel, startReplica } from './components.mjs';
import { redisRole } from './private-services.mjs';
import { isPidAlive, procStat, sleep } from './processes.mjs';

export const ACTIONS = ['stop', 'kill', 'pause', 'resume', 'start'];

/** A refusal the caller can turn into a 404/409 without parsing a message. */
export class ControlError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ControlError';
    this.code = code;
  }
}

export function kindOf(name) {
  if (/^app-\d+$/.test(name)) return 'replica';
  if (name === 'redis-replica') return 'redis';
  if (/^sentinel-\d+$/.test(name)) return 'sentinel';
  if (name === 'redis' || name === 'postgres' || name === 'nginx' || name === 'prometheus' || name === 'lab') return name;
  return 'exporter';
}

/** Runs `fn` holding the launcher's lock; a busy lock fails after `timeoutMs` with LAB_BUSY. */
export async function withClusterLock(clusterDir, fn, timeoutMs = 5_000) {
  try {
    await acquireLock(clusterDir, timeoutMs);
  } catch (err) {
    throw new ControlError('LAB_BUSY', err.message);
  }
  try {
    return await fn();
  } finally {
    releaseLock(clusterDir);
  }
}

/** 'up' | 'paused' | 'down', from the pid file and the process state letter (T = stopped by a signal). */
function processState(clusterDir, component) {
  const pid = livePid(clusterDir, component.name, component.match);
  if (!pid) return { pid: null, state: 'down' };
  const letter = procStat(pid)?.state;
  return { pid, state: letter === 'T' || letter === 't' ? 'paused' : 'up' };
}

/**
 * What may be done to a component in a given state. Replicas, and Redis (with its replica and
 * Sentinels in REDIS_MODE=sentinel)/PostgreSQL when the
 * launcher started them (they are in state.json only then), take every action; nginx,
 * Prometheus and the exporters none — the lab page is served through nginx, and stopping it
 * from the page would cut the branch it sits on. The lab controller can be stopped only by an
 * operator at a terminal (`{ operator: true }`), never by its own page.
 */
export function allowedActions(kind, state, { operator = false } = {}) {
  if (kind === 'lab') return state === 'down' ? ['start'] : operator ? ['stop', 'kill'] : [];
  if (kind !== 'replica' && kind !== 'redis' && kind !== 'sentinel' && kind !== 'postgres') return [];
  if (state === 'down') return ['start'];
  if (state === 'paused') return ['resume', 'kill'];
  return ['stop', 'kill', 'pause'];
}

/** Every recorded component with its process state, readiness and the actions it allows now. */
export async function inspectCluster(clusterDir) {
  const state = readState(clusterDir);
  if (!state) return [];
  return Promise.all(
    state.components.map(async (c) => {
      const kind = kindOf(c.name);
      const { pid, state: procState } = processState(clusterDir, c);
      // A paused process accepts connections (the kernel queues them) but never answers: skip the probe.
      const ready = procState === 'up' ? await probe(c, state.secrets) : false;
      // REDIS_MODE=sentinel: which Redis is the primary changes with every failover.
      const role =
        (kind === 'redis' || kind === 'sentinel') && state.topology.redisMode === 'sentinel' && ready
          ? await redisRole(Number(new URL(c.url).port), { password: c.auth ? state.secrets?.[c.auth] : undefined })
          : undefined;
      return { name: c.name, kind, state: procState, ready, pid, url: c.url, actions: allowedActions(kind, procState), ...(role ? { role } : {}) };
    }),
  );
}

function findComponent(state, name) {
  const c = state?.components.find((x) => x.name === name);
  if (!c) {
    const known = (state?.components ?? []).map((x) => x.name).join(', ') || 'none (not running)';
    throw new ControlError('UNKNOWN_COMPONENT', `no component "${name}" in this cluster; known: ${known}`);
  }
  return c;
}

async function startComponent(clusterDir, state, c, env) {
  const paths = statePaths(clusterDir);
  const track = (n, pid, match) => recordPid(clusterDir, n, pid, match);
  const { topology } = state;
  // A cluster started before the launcher generated passwords has none: its services keep none.
  const secrets = state.secrets ?? {};
  switch (kindOf(c.name)) {
    case 'replica': {
      const replica = topology.replicas.find((r) => r.id === c.name);
      return startReplica({ paths, replica, appEnv: { ...state.appEnv, ...env }, track });
    }
    case 'redis':
      return startPrivateRedis({ topology, paths, track, secrets, name: c.name });
    case 'sentinel':
      return startPrivateSentinel({ topology, paths, track, secrets, name: c.name });
    case 'postgres':
      return startPrivatePostgres({ topology, paths, track, secrets });
    case 'lab':
      return startLab({ topology, paths, track, lab: state.lab });
    default:
      throw new ControlError('ACTION_NOT_ALLOWED', `${c.name} is started only with the whole cluster (npm run cluster -- up)`);
  }
}

async function waitGone(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (isPidAlive(pid) && Date.now() < deadline) await sleep(20);
  return !isPidAlive(pid);
}

/**
 * Carries out one action on one recorded component; resolves with a one-line result.
 * stop: SIGTERM (PostgreSQL: SIGINT, its fast shutdown), SIGKILL after the component's grace;
 * kill: SIGKILL at once; pause/resume: SIGSTOP/SIGCONT; start: the launcher's own start path.
 * `env` (start of a replica only, never from the lab's HTTP API) overrides its environment for
 * this run — the chaos runner points one replica at its fault proxy this way; the next plain
 * start uses the recorded environment again.
 */
export async function act(clusterDir, name, action, { operator = false, env } = {}) {
  if (!ACTIONS.includes(action)) throw new ControlError('VALIDATION_FAILED', `unknown action "${action}"; one of ${ACTIONS.join(', ')}`);
  const state = readState(clusterDir);
  const c = findComponent(state, name);
  const kind = kindOf(c.name);
  const { pid, state: procState } = processState(clusterDir, c);
  if (!allowedActions(kind, procState, { operator }).includes(action)) {
    const allowed = allowedActions(kind, procState, { operator });
    throw new ControlError(
      'ACTION_NOT_ALLOWED',
      `${name} is ${procState}; ${allowed.length ? `allowed now: ${allowed.join(', ')}` : 'no action is allowed on it'}`,
    );
  }
  switch (action) {
    case 'stop':
      await stopComponent(clusterDir, c);
      return `stopped ${name} (pid ${pid})`;
    case 'kill':
      process.kill(pid, 'SIGKILL');
      await waitGone(pid, 5_000);
      return `killed ${name} (SIGKILL to pid ${pid})`;
    case 'pause':
      process.kill(pid, 'SIGSTOP');
      return `paused ${name} (SIGSTOP to pid ${pid}): it holds its connections and answers nothing`;
    case 'resume':
      process.kill(pid, 'SIGCONT');
      return `resumed ${name} (SIGCONT to pid ${pid})`;
    case 'start': {
      if (env && kind !== 'replica') throw new ControlError('ACTION_NOT_ALLOWED', `only a replica starts with a changed environment, not ${name}`);
      const record = await startComponent(clusterDir, state, c, env);
      // Re-read: another component may have changed while this one started.
      const fresh = readState(clusterDir) ?? state;
      Object.assign(findComponent(fresh, name), record);
      writeState(clusterDir, fresh);
      return `started ${name} (pid ${record.pid})`;
    }
    default:
      throw new ControlError('VALIDATION_FAILED', `unknown action "${action}"`);
  }
}

/**
 * Restarts every replica in turn (SIGTERM, start, wait for /ready) — the graceful path, so
 * nginx always has the others to send traffic to. `onStep(message)` hears each step.
 */
export async function rollingRestart(clusterDir, { onStep = () => undefined } = {}) {
  const state = readState(clusterDir);
  if (!state) throw new ControlError('UNKNOWN_COMPONENT', 'no cluster is running');
  const messages = [];
  for (const c of state.components.filter((x) => kindOf(x.name) === 'replica')) {
    const { state: procState } = processState(clusterDir, c);
    if (procState === 'paused') messages.push(await act(clusterDir, c.name, 'resume'));
    if (procState !== 'down') messages.push(await act(clusterDir, c.name, 'stop'));
    messages.push(await act(clusterDir, c.name, 'start'));
    onStep(messages.at(-1));
  }
  return messages;
}
