// Lesson 14: once the state lives in Redis, Redis must survive. The view opens sessions through
// nginx, and the student kills every Redis server with SIGKILL from the page (the Cluster panel's
// own /actions path), starts them again and counts what the append-only file brought back. With
// REDIS_MODE=sentinel the view also kills the primary under a stream of session writes and
// watches the Sentinels promote the replica.
import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { ComponentState } from '../../cluster/control';
import type { Exchange, SimulatedClient } from '../../cluster/simulated-client';
import { AppError } from '../../src/errors/app-error';
import type { LabHistory } from '../lab-history';
import type { ActionEvent, CheckPart } from '../lab-types';
import { part } from './check-kit';
import type { CheckInput, Lesson, LessonContext, LessonRuntime } from './lesson';
import { oneAtATime } from './one-at-a-time';
import { DURABILITY_LESSON, SENTINEL_RESTART, type DurabilitySnapshot, type FailoverRun, type RedisSeen, type SessionBatch, type SessionCount } from './14-redis-survives.contract';

const sessionsBody = z.strictObject({ count: z.number().int().min(1).max(200) });

const KEPT = 20;
const SHOWN_HANDLES = 12;
/** A failover run writes to its session this often… */
const WRITE_EVERY_MS = 100;
/** …and ends once this many writes in a row succeeded after the promotion, or after this long. */
const WRITES_BACK = 10;
const FAILOVER_LIMIT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A session's handle: names it on the page without giving away the id (a credential). */
export const handleOf = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex').slice(0, 8);

const redisOf = (components: ComponentState[]): RedisSeen[] =>
  components
    .filter((c) => c.kind === 'redis' || c.kind === 'sentinel')
    .map((c) => ({ name: c.name, state: c.state, ready: c.ready, pid: c.pid, role: c.role ?? null }));

const okWrite = (status: number) => status === 200 || status === 201;

/** `INFO replication` of one Redis of the cluster (its password from state.json), or null when it does not answer. */
async function replicationOf(url: string, password: string | undefined): Promise<string | null> {
  const redis = new Redis(url, { password, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null });
  try {
    await redis.connect();
    return await redis.info('replication');
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

function startDurability(ctx: LessonContext): LessonRuntime {
  const redisMode = ctx.cluster.topology.redisMode;
  /** The cookies of the sessions the lab opened: never sent to a page or the stream. */
  let held: { id: string; cookie: string; handle: string }[] = [];
  let batches: SessionBatch[] = [];
  let counts: SessionCount[] = [];
  let failover: FailoverRun | null = null;
  let client: SimulatedClient = ctx.freshClient();

  const exclusive = oneAtATime((what) => `The durability view is busy (${what} must wait): try again in a moment`, () => Boolean(failover?.running));

  async function openSessions(requested: number): Promise<SessionBatch> {
    const failed: Record<string, number> = {};
    const handles: string[] = [];
    const id = randomUUID();
    for (let i = 0; i < requested; i++) {
      const reply = await client.send({ method: 'POST', path: '/api/v1/stateful/sessions', jar: null });
      const sessionId = reply.json.sessionId;
      if (reply.status === 201 && reply.cookie && typeof sessionId === 'string') {
        const handle = handleOf(sessionId);
        held.push({ id: sessionId, cookie: reply.cookie, handle });
        if (handles.length < SHOWN_HANDLES) handles.push(handle);
      } else {
        const key = `${reply.status || 'no answer'}${reply.errorCode ? ` ${reply.errorCode}` : ''}`;
        failed[key] = (failed[key] ?? 0) + 1;
      }
    }
    const batch: SessionBatch = { id, at: Date.now(), requested, created: requested - Object.values(failed).reduce((a, b) => a + b, 0), failed, handles, held: held.length };
    batches = [...batches, batch].slice(-KEPT);
    ctx.publish('sessions', batch);
    return batch;
  }

  /** Asks for every held session once, 16 at a time (the client's sockets), and tallies. */
  async function countSessions(by: SessionCount['by']): Promise<SessionCount> {
    const statuses = await Promise.all(
      held.map(async ({ cookie }) => (await client.send({ path: '/api/v1/stateful/sessions/current', jar: null, headers: { cookie }, timeoutMs: 10_000 })).status),
    );
    const components = await ctx.control.inspectCluster(ctx.clusterDir);
    const count: SessionCount = {
      id: randomUUID(),
      at: Date.now(),
      by,
      held: held.length,
      found: statuses.filter((s) => s === 200).length,
      lost: statuses.filter((s) => s === 401 || s === 404).length,
      unavailable: statuses.filter((s) => s !== 200 && s !== 401 && s !== 404).length,
      redis: redisOf(components),
    };
    counts = [...counts, count].slice(-KEPT);
    ctx.publish('count', count);
    return count;
  }

  /**
   * Kills the primary while one session is written every 100 ms, and watches. Teaching note: the
   * writes are what a class of students would send; the Sentinels need a second of silence
   * (down-after-milliseconds 1000) to agree that the primary is gone, then promote the replica,
   * and the replicas' ioredis asks them where the primary is now.
   */
  async function runFailover(run: FailoverRun, primary: string): Promise<void> {
    const writer = ctx.freshClient();
    const progress = () => ctx.publish('failover', { ...run, writes: [...run.writes] }, { keep: !run.running });
    let stopWriting = false;
    let okInRow = 0;
    const writes = (async () => {
      await writer.send({ method: 'POST', path: '/api/v1/stateful/sessions' });
      while (!stopWriting) {
        const next = Date.now() + WRITE_EVERY_MS;
        const reply: Exchange = await writer.send({ method: 'POST', path: '/api/v1/stateful/counter/naive', timeoutMs: 10_000 });
        ctx.record(reply, 'stateful', run.id);
        // Before the kill every write counts as t = -1: only the ones after it are judged.
        run.writes.push({ t: run.killedAt === null ? -1 : reply.at - run.killedAt, status: reply.status, errorCode: reply.errorCode, replica: reply.replica, latencyMs: Math.round(reply.latencyMs) });
        if (okWrite(reply.status)) okInRow += 1;
        else okInRow = 0;
        // The session itself lived on the lost primary only if it had not reached the replica: a new one.
        if (reply.status === 401) await writer.send({ method: 'POST', path: '/api/v1/stateful/sessions' });
        await sleep(Math.max(0, next - Date.now()));
      }
    })();
    try {
      // Teaching note: a replica that was just started reloads its files and then resyncs with the
      // primary for a few seconds; killing the primary before it copies again loses whatever it
      // had not copied (this lesson's e2e saw a session opened then come back as 401 NO_SESSION).
      const copying = Date.now() + FAILOVER_LIMIT_MS;
      for (;;) {
        const components = await ctx.control.inspectCluster(ctx.clusterDir);
        const replicas = components.filter((c) => c.kind === 'redis' && c.name !== primary);
        const links = await Promise.all(replicas.map(async (c) => ((await replicationOf(c.url, ctx.cluster.secrets?.redisPassword)) ?? '').includes('master_link_status:up')));
        if (replicas.length && links.every(Boolean)) break;
        if (Date.now() > copying) throw new Error(`no replica copies ${primary} (master_link_status is not up on ${replicas.map((c) => c.name).join(', ') || 'any Redis'}): start every Redis and wait, then try again`);
        await sleep(250);
      }
      await sleep(1_000);
      run.killedAt = Date.now();
      const action = await ctx.act({ action: 'kill', target: primary });
      if (!action.ok) throw new Error(`kill ${primary}: ${action.message}`);
      run.killed = primary;
      progress();
      const deadline = run.killedAt + FAILOVER_LIMIT_MS;
      while (Date.now() < deadline && !run.promoted) {
        const promoted = (await ctx.control.inspectCluster(ctx.clusterDir)).find((c) => c.role === 'primary' && c.name !== primary);
        if (promoted) {
          run.promoted = promoted.name;
          run.promotedAfterMs = Date.now() - run.killedAt;
          progress();
        } else await sleep(100);
      }
      if (!run.promoted) throw new Error(`no replica was promoted within ${FAILOVER_LIMIT_MS / 1000} s of killing ${primary}: see the Sentinels' logs (npm run cluster -- logs sentinel-1)`);
      okInRow = 0;
      while (Date.now() < deadline && okInRow < WRITES_BACK) await sleep(WRITE_EVERY_MS);
      stopWriting = true;
      await writes;
      const lastFailed = run.writes.findLastIndex((w) => !okWrite(w.status));
      const back = run.writes.slice(lastFailed + 1).find((w) => okWrite(w.status));
      run.recoveredAfterMs = lastFailed === -1 ? 0 : back ? back.t : null;
      if (run.recoveredAfterMs === null) throw new Error(`session writes did not come back within ${FAILOVER_LIMIT_MS / 1000} s of the kill`);
      run.count = await countSessions('failover');
    } catch (err) {
      run.error = err instanceof Error ? err.message : String(err);
      ctx.logger.error({ err }, 'durability failover run failed');
    } finally {
      stopWriting = true;
      await writes.catch(() => undefined);
      writer.close();
      run.running = false;
      progress();
    }
  }

  const router = Router();
  router.post('/sessions', async (req, res) => {
    const { count } = sessionsBody.parse(req.body ?? {});
    res.status(201).json(await exclusive(() => openSessions(count), 'opening sessions'));
  });
  router.post('/count', async (_req, res) => {
    res.json(await exclusive(() => countSessions('student'), 'counting'));
  });
  router.post('/failover', async (_req, res) => {
    if (redisMode !== 'sentinel') throw new AppError('ACTION_NOT_ALLOWED', `This cluster runs REDIS_MODE=standalone: there is no replica to promote. Restart it with Sentinel: ${SENTINEL_RESTART}`);
    const primary = (await ctx.control.inspectCluster(ctx.clusterDir)).find((c) => c.role === 'primary');
    if (!primary) throw new AppError('ACTION_NOT_ALLOWED', 'No Redis is primary right now: start every Redis and wait for the Sentinels, then try again');
    const run = await exclusive(async (): Promise<FailoverRun> => {
      const started: FailoverRun = { id: randomUUID(), startedAt: Date.now(), running: true, killed: null, killedAt: null, promoted: null, promotedAfterMs: null, writes: [], recoveredAfterMs: null, count: null, error: null };
      failover = started;
      return started;
    }, 'a failover');
    ctx.publish('failover', { ...run, writes: [] }, { keep: false });
    void runFailover(run, primary.name);
    res.status(202).json(run);
  });

  return {
    router,
    snapshot: (): DurabilitySnapshot => ({ redisMode, held: held.length, batches, counts, failover }),
    reset: () => {
      // The lab's sessions end with the lesson: logged out, not left in Redis for a day.
      const old = held;
      const oldClient = client;
      held = [];
      batches = [];
      counts = [];
      if (!failover?.running) failover = null;
      client = ctx.freshClient();
      void (async () => {
        for (const { id, cookie } of old) await oldClient.send({ method: 'DELETE', path: `/api/v1/stateful/sessions/${id}`, jar: null, headers: { cookie } });
        oldClient.close();
      })();
    },
    stop: () => client.close(),
  };
}

// ---- the checks: read-only, over the history and the components ----

/** Sessions a count needs before it shows anything (one could be luck). */
export const MIN_SESSIONS = 10;
/** A failed write that took longer than this waited for a timeout instead of failing fast. */
export const FAST_FAIL_MS = 2_000;

const batchesOf = (history: LabHistory) => history.lessonEventsOf<SessionBatch>(DURABILITY_LESSON, 'sessions').map((e) => e.data);
const countsOf = (history: LabHistory) => history.lessonEventsOf<SessionCount>(DURABILITY_LESSON, 'count').map((e) => e.data);
const runsOf = (history: LabHistory) => history.lessonEventsOf<FailoverRun>(DURABILITY_LESSON, 'failover').map((e) => e.data).filter((r) => !r.running);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tally = (c: SessionCount) => `${c.found} of ${c.held} found${c.lost ? `, ${c.lost} lost` : ''}${c.unavailable ? `, ${c.unavailable} unavailable` : ''}`;

/** The Redis servers of the cluster, Sentinels aside: "every Redis" of the worksheet. */
export function redisServers(components: ComponentState[]): string[] {
  const names = components.filter((c) => c.kind === 'redis').map((c) => c.name);
  return names.length ? names : ['redis'];
}

interface Outage {
  how: string;
  from: number;
  /** When the start that ended it began (Infinity while it lasts), and when it had finished. */
  until: number;
  backAt: number;
}

function outagesOf(history: LabHistory, target: string): Outage[] {
  const mine = history.actions.filter((a: ActionEvent) => a.ok && a.target === target);
  return mine
    .filter((a) => a.action === 'stop' || a.action === 'kill')
    .map((down) => {
      const back = mine.find((a) => a.action === 'start' && a.at > down.at);
      return { how: down.action, from: down.at + down.durationMs, until: back?.at ?? Number.POSITIVE_INFINITY, backAt: back ? back.at + back.durationMs : Number.POSITIVE_INFINITY };
    });
}

/** The times every one of `servers` was down at once: nothing held the data in memory. */
export function blackoutsOf(history: LabHistory, servers: string[]): (Outage & { killed: boolean })[] {
  const [first, ...others] = servers.map((s) => outagesOf(history, s));
  const blackouts: (Outage & { killed: boolean })[] = [];
  for (const o of first ?? []) {
    const overlapping = others.map((list) => list.find((x) => x.from < o.until && o.from < x.until));
    if (overlapping.some((x) => !x)) continue;
    const all = [o, ...(overlapping as Outage[])];
    blackouts.push({
      how: [...new Set(all.map((x) => x.how))].join(' + '),
      killed: all.every((x) => x.how === 'kill'),
      from: Math.max(...all.map((x) => x.from)),
      until: Math.min(...all.map((x) => x.until)),
      backAt: Math.max(...all.map((x) => x.backAt)),
    });
  }
  return blackouts;
}

function checkSessions({ history }: CheckInput): CheckPart[] {
  const batches = batchesOf(history);
  const heldNow = batches.at(-1)?.held ?? 0;
  if (heldNow < MIN_SESSIONS) return [part('sessions opened', false, `${heldNow} sessions held (need ${MIN_SESSIONS}) — press **Open sessions** in Durability`)];
  const parts = [part('sessions opened', true, `${heldNow} held (${batches.at(-1)!.handles.slice(0, 3).join(', ')}, …)`)];
  const firstEnough = batches.find((b) => b.held >= MIN_SESSIONS)!;
  const count = countsOf(history).find((c) => c.at > firstEnough.at && c.held >= MIN_SESSIONS && c.found === c.held);
  if (!count) {
    const last = countsOf(history).at(-1);
    return [...parts, part('every session found', false, last ? `the last count: ${tally(last)} — is Redis up? count again` : 'press **Count the sessions**')];
  }
  return [...parts, part('every session found', true, `${tally(count)}, each asked once through nginx`)];
}

function checkAof({ history, components, redisMode }: CheckInput): CheckPart[] {
  const servers = redisServers(components);
  const every = servers.length > 1 ? `every Redis (${servers.join(', ')})` : servers[0]!;
  const batches = batchesOf(history);
  const blackouts = blackoutsOf(history, servers).filter((b) => batches.some((x) => x.created > 0 && x.at < b.from));
  const blackout = blackouts.at(-1);
  if (!blackout) {
    const some = servers.filter((s) => outagesOf(history, s).length);
    const detail = !batches.length
      ? 'open sessions first (step 1), then press **kill -9 every Redis**'
      : some.length
        ? `only ${some.join(', ')} went down${redisMode === 'sentinel' ? ' — the other kept a copy in memory (that is the next step): kill every Redis at once' : ''} after sessions were opened`
        : `press **kill -9 every Redis** after opening sessions (it kills ${every})`;
    return [part(`${every} down while sessions were held`, false, detail)];
  }
  const heldBefore = batches.filter((b) => b.at < blackout.from).at(-1)!.held;
  const parts = [
    part(`${every} killed with SIGKILL`, blackout.killed, blackout.killed ? `down together for ${Number.isFinite(blackout.until) ? seconds(blackout.until - blackout.from) : 'now'}, with ${heldBefore} sessions held` : `${blackout.how}: **stop** lets Redis shut down cleanly and write its files — press **kill -9 every Redis** instead`),
  ];
  const during = countsOf(history).filter((c) => c.at > blackout.from && c.at < blackout.until);
  parts.push(part('counted while Redis was down', during.some((c) => c.found === 0), during.length ? `${tally(during.at(-1)!)} — the replicas answered without Redis` : 'press **Count the sessions** while Redis is down'));
  if (!Number.isFinite(blackout.until)) return [...parts, part(`${every} started again`, false, 'press **start every Redis**')];
  parts.push(part(`${every} started again`, true, `back ${seconds(blackout.backAt - blackout.from)} after the kill`));
  const after = countsOf(history).filter((c) => c.at > blackout.backAt);
  const counted = after.find((c) => c.found === c.held && c.held >= heldBefore) ?? after.at(-1);
  if (!counted) return [...parts, part('sessions counted after the start', false, 'press **Count the sessions** again')];
  const all = counted.found === counted.held && counted.held >= heldBefore;
  const why = all ? ' — nothing was in memory any more: they came back from the append-only file' : counted.unavailable ? ' — the replicas may still be reconnecting: count again' : ' — Redis came back without them';
  return [...parts, part('every session came back', all, `${tally(counted)} after the start (${heldBefore} held before the kill)${why}`)];
}

const needsSentinel = (redisMode: CheckInput['redisMode']): CheckPart[] | undefined =>
  redisMode === 'sentinel'
    ? undefined
    : [part('a cluster with Sentinel', false, `this cluster runs REDIS_MODE=standalone: there is no replica to promote. Restart it with \`${SENTINEL_RESTART}\`, open the lab URL it prints, and do steps 1 and 2 again`)];

function checkFailover({ history, redisMode }: CheckInput): CheckPart[] {
  const refused = needsSentinel(redisMode);
  if (refused) return refused;
  const run = runsOf(history).at(-1);
  if (!run) return [part('the primary killed under writes', false, 'press **Kill the primary and watch** in Durability')];
  if (run.error || !run.killed || !run.promoted || run.promotedAfterMs === null) return [part('the primary killed under writes', false, `the last run ended early: ${run.error ?? 'nothing was promoted'}`)];
  const after = run.writes.filter((w) => w.t >= 0);
  const failed = after.filter((w) => !okWrite(w.status));
  const codes = [...new Set(failed.map((w) => `${w.status || 'no answer'}${w.errorCode ? ` ${w.errorCode}` : ''}`))].join(', ');
  const slowest = Math.max(0, ...failed.map((w) => w.latencyMs));
  const parts = [
    part('the primary killed under writes', true, `${run.killed} killed (SIGKILL) with a session write every ${WRITE_EVERY_MS} ms`),
    part('the replica promoted', run.promoted !== run.killed, `${run.promoted} is primary ${seconds(run.promotedAfterMs)} after the kill`),
    part('writes failed fast meanwhile', slowest <= FAST_FAIL_MS, failed.length ? `${failed.length} of ${after.length} writes after the kill failed (${codes}), the slowest in ${slowest} ms (allowed ${FAST_FAIL_MS} ms)` : `no write failed: the ${after.length} after the kill all answered`),
    part('writes came back', run.recoveredAfterMs !== null, run.recoveredAfterMs === null ? 'no write succeeded after the last failure' : `the first write after the last failure answered ${seconds(run.recoveredAfterMs)} after the kill, without restarting a replica`),
  ];
  const count = run.count;
  if (!count || count.held < MIN_SESSIONS) return [...parts, part('every session survived', false, `${count?.held ?? 0} sessions held during the run (need ${MIN_SESSIONS}) — open sessions first, then run it again`)];
  return [...parts, part('every session survived', count.found === count.held, `${tally(count)} on ${run.promoted}${count.found === count.held ? ': the replica had copied them' : ' — replication is asynchronous, but sessions opened seconds before should have reached the replica'}`)];
}

function checkRejoin({ history, components, redisMode }: CheckInput): CheckPart[] {
  const refused = needsSentinel(redisMode);
  if (refused) return refused;
  const run = runsOf(history).filter((r) => r.killed && r.promoted).at(-1);
  if (!run) return [part('the old primary started again', false, 'do step 3 first: the Redis it kills is the one to start again')];
  const old = components.find((c) => c.name === run.killed);
  if (!old || old.state !== 'up') return [part('the old primary started again', false, `${run.killed} is ${old?.state ?? 'gone'} — press **start** on it in Durability`)];
  const primaries = components.filter((c) => c.kind === 'redis' && c.role === 'primary').map((c) => c.name);
  return [
    part('the old primary started again', true, `${run.killed} is up (pid ${old.pid})`),
    part('it came back as a replica', old.role === 'replica', `${run.killed} answers ROLE with ${old.role ?? 'nothing yet (not ready)'}${old.role === 'replica' ? '' : ' — the Sentinels reconfigure it within a few seconds: check again'}`),
    part('one primary', primaries.length === 1, `primary: ${primaries.join(', ') || 'none'}`),
  ];
}

export const durabilityChecks = {
  'durability-sessions': checkSessions,
  'durability-aof': checkAof,
  'durability-failover': checkFailover,
  'durability-rejoin': checkRejoin,
};

export const lesson14: Lesson = {
  worksheet: {
    id: 14,
    slug: DURABILITY_LESSON,
    title: 'Redis must survive too',
    panel: 'durability',
    views: ['durability', 'cluster', 'stream'],
    summary:
      'Every session now lives in Redis, so losing Redis loses them all — unless Redis keeps them somewhere a crash cannot reach. Kill it with SIGKILL and count what its append-only file brings back; then, with Sentinel, kill the primary and watch its replica take over.',
    doc: 'docs/labs.md#14-redis-must-survive-too',
    steps: [
      {
        id: 'sessions',
        title: 'Open sessions and count them',
        text: 'In **Durability**, keep 100 and press **Open sessions**, then **Count the sessions**. The lab opens them through nginx and keeps their cookies; the page shows each by a handle, never by its id.\n\n**Predict, then watch for:** all of them found — the count asks each session once, through nginx, from Redis.',
        check: 'durability-sessions',
        hints: ['A session id is a credential: the handle is the first 8 hex of its SHA-256, enough to tell sessions apart and useless to log in with.'],
        solution: 'Durability → **Open sessions** (100), **Count the sessions**: 100 of 100 found.',
      },
      {
        id: 'aof',
        title: 'kill -9 every Redis, start it again, count',
        text: 'Press **kill -9 every Redis** (SIGKILL: no shutdown, no final save), press **Count the sessions** while it is down, then **start every Redis** and count again.\n\n**Predict, then watch for:** while Redis is down, every count answers 503 — fast. After the start, how many of the sessions are back? Redis keeps no copy in memory across a kill: whatever comes back comes from its append-only file (`appendonly yes`, `appendfsync everysec`).',
        check: 'durability-aof',
        hints: [
          'Redis writes every command to the AOF before it answers; `everysec` fsyncs the file once a second. A killed process loses nothing it handed to the kernel — only a machine losing power loses up to a second.',
          'With REDIS_MODE=sentinel the button kills the replica too, first, so no copy in memory is left anywhere and the Sentinels have nobody to promote.',
          '**stop** would let Redis shut down cleanly (and write its files); the step wants **kill**.',
        ],
        solution: 'Durability → **kill -9 every Redis**, **Count** (every session unavailable, 503), **start every Redis**, **Count**: every session found again.',
      },
      {
        id: 'failover',
        title: 'Sentinel: kill the primary and watch the replica take over',
        text: `Needs a cluster started with \`REDIS_MODE=sentinel\` (a Redis replica and three Sentinels). In a standalone cluster restart it first: \`${SENTINEL_RESTART}\`.\n\nPress **Kill the primary and watch**: the lab writes to a session every 100 ms, kills the primary with SIGKILL, and waits for the Sentinels to promote the replica.\n\n**Predict, then watch for:** how long until a replica is primary? What happens to the writes meanwhile — a hang, or a fast 503? And how many sessions does the count find afterwards?`,
        check: 'durability-failover',
        hints: [
          'A Sentinel suspects the primary after 1 s of silence (`down-after-milliseconds 1000`); when a quorum of two agrees, one of them promotes the replica and tells the others.',
          'The replicas ask the Sentinels where the primary is, so they find the new one without a restart. Replication is asynchronous: a write acknowledged in the last milliseconds before the kill may not have reached the replica.',
          'The run first waits until the replica copies the primary (`master_link_status:up`): right after step 2 it is still resyncing, and a failover then loses what it had not copied yet.',
        ],
        solution: 'Durability → **Kill the primary and watch**: `redis-replica` is primary after about 1.5 s, the writes answer `503 REDIS_UNAVAILABLE` for a couple of seconds and then 200 again, and the count finds every session.',
      },
      {
        id: 'rejoin',
        title: 'Start the old primary: it comes back as a replica',
        text: 'Press **start** on the Redis that was killed.\n\n**Predict, then watch for:** will there be two primaries? Watch its role in the Redis list.',
        check: 'durability-rejoin',
        hints: ['The Sentinels see the old primary come back and reconfigure it as a replica of the new one: it drops what it had and copies the new primary.'],
        solution: 'Durability → the killed Redis → **start**: within a few seconds its role reads *replica*; there is one primary.',
      },
    ],
  },
  checks: durabilityChecks,
  start: startDurability,
};
