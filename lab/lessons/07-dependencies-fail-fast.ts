// Lesson 7: a replica whose dependency is gone answers 503 at once, on the routes that need it and
// only those. The view asks three routes — one that needs nothing, one that needs Redis, one that
// needs PostgreSQL — every half second while the student stops and starts Redis and PostgreSQL
// with the Cluster panel's own chaos path.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { SimulatedClient } from '../../cluster/simulated-client';
import { AppError } from '../../src/errors/app-error';
import type { LabHistory } from '../lab-history';
import type { ActionEvent, CheckPart, RouteFamily } from '../lab-types';
import { part } from './check-kit';
import type { Lesson, LessonContext, LessonRuntime } from './lesson';
import {
  DEPENDENCIES_LESSON,
  DEPENDENCY_ROUTES,
  UNAVAILABLE_CODE,
  type DependenciesSnapshot,
  type Dependency,
  type DependencyAnswer,
  type DependencyRoute,
  type DependencyRound,
  type DependencyWatch,
} from './07-dependencies-fail-fast.contract';

const watchBody = z.strictObject({ seconds: z.number().int().min(5).max(180) });

const EVERY_MS = 500;
const KEPT_ROUNDS = 40;
/** The replicas' default DEPENDENCY_TIMEOUT_MS (src/config/config.ts). */
const DEFAULT_TIMEOUT_MS = 1_000;
/**
 * "Fast" is the dependency timeout plus what nginx and loopback add. Teaching note: the point is
 * not a latency figure (the bench measures those) but that nothing waits for TCP's own timeouts.
 */
export const FAST_SLACK_MS = 1_000;

const FAMILY: Record<DependencyRoute, RouteFamily> = { stateless: 'stateless', stateful: 'stateful', catalogue: 'products-nocache' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** DEPENDENCY_TIMEOUT_MS as the cluster's replicas run with it. */
export function dependencyTimeoutOf(appEnv: Record<string, string> | undefined): number {
  const value = Number(appEnv?.DEPENDENCY_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_TIMEOUT_MS;
}

/**
 * One client asks the three routes every half second. Teaching note: the client holds a Redis
 * session so the stateful route has something to read; when Redis lost it (or it was never made
 * because Redis was down at the start) the next round makes a new one.
 */
function startDependencies(ctx: LessonContext): LessonRuntime {
  const timeoutMs = dependencyTimeoutOf(ctx.cluster.appEnv);
  let watch: DependencyWatch | null = null;
  let rounds: DependencyRound[] = [];
  let stopRequested = false;

  async function ensureSession(client: SimulatedClient): Promise<void> {
    if (client.cookieOf('redis')) return;
    await client.send({ method: 'POST', path: '/api/v1/stateful/sessions', jar: 'redis' });
  }

  async function round(client: SimulatedClient, current: DependencyWatch, seq: number): Promise<DependencyRound> {
    const at = Date.now();
    const answers = await Promise.all(
      DEPENDENCY_ROUTES.map(async ({ route, path }): Promise<DependencyAnswer> => {
        const reply = await client.send({ method: 'GET', path, jar: route === 'stateful' ? 'redis' : null, timeoutMs: timeoutMs + 10_000 });
        ctx.record(reply, FAMILY[route], current.id);
        // The session is gone (Redis lost it): make a new one for the next round.
        if (route === 'stateful' && (reply.status === 401 || reply.status === 404)) client.forget('redis');
        return { route, status: reply.status, errorCode: reply.errorCode, replica: reply.replica, latencyMs: reply.latencyMs };
      }),
    );
    return { watchId: current.id, seq, at, timeoutMs, answers };
  }

  async function run(current: DependencyWatch, client: SimulatedClient): Promise<void> {
    const ends = current.startedAt + current.seconds * 1000;
    try {
      while (!stopRequested && Date.now() < ends) {
        const next = Date.now() + EVERY_MS;
        await ensureSession(client);
        const r = await round(client, current, current.rounds + 1);
        current.rounds += 1;
        rounds = [...rounds, r].slice(-KEPT_ROUNDS);
        ctx.publish('round', r);
        await sleep(Math.max(0, next - Date.now()));
      }
    } catch (err) {
      ctx.logger.error({ err }, 'dependencies watch failed');
    } finally {
      client.close();
      current.running = false;
      ctx.publish('watch', { ...current });
      if (watch === current) stopRequested = false;
    }
  }

  const router = Router();
  router.post('/watch', (req, res) => {
    const { seconds } = watchBody.parse(req.body ?? {});
    if (watch?.running) throw new AppError('LAB_BUSY', 'The routes are already being watched; stop that watch first');
    const current: DependencyWatch = { id: randomUUID(), startedAt: Date.now(), seconds, running: true, rounds: 0 };
    watch = current;
    stopRequested = false;
    ctx.publish('watch', { ...current });
    void run(current, ctx.freshClient());
    res.json(current);
  });
  router.post('/stop', (_req, res) => {
    const stopped = Boolean(watch?.running);
    if (stopped) stopRequested = true;
    res.json({ stopped });
  });
  return {
    router,
    snapshot: (): DependenciesSnapshot => ({ watch, rounds, timeoutMs }),
    reset: () => {
      rounds = [];
    },
    stop: () => {
      stopRequested = true;
    },
  };
}

/** When each dependency was gone: from the end of a successful stop/kill to the start that brought it back. */
export interface Outage {
  target: Dependency;
  action: string;
  from: number;
  /** When the start that ended it began (Infinity while it lasts) and when that start had finished. */
  until: number;
  backAt: number;
}

export function outagesOf(history: LabHistory, target: Dependency): Outage[] {
  const mine = history.actions.filter((a: ActionEvent) => a.ok && a.target === target);
  const outages: Outage[] = [];
  for (const down of mine.filter((a) => a.action === 'stop' || a.action === 'kill')) {
    const back = mine.find((a) => a.action === 'start' && a.at > down.at);
    outages.push({ target, action: down.action, from: down.at + down.durationMs, until: back?.at ?? Number.POSITIVE_INFINITY, backAt: back ? back.at + back.durationMs : Number.POSITIVE_INFINITY });
  }
  return outages;
}

const roundsOf = (history: LabHistory) => history.lessonEventsOf<DependencyRound>(DEPENDENCIES_LESSON, 'round').map((e) => e.data);
const inside = (at: number, o: Outage) => at >= o.from && at < o.until;
const answerOf = (r: DependencyRound, route: DependencyRoute) => r.answers.find((a) => a.route === route)!;
const shown = (a: DependencyAnswer) => `${a.status === 0 ? 'no answer' : a.status}${a.errorCode ? ` ${a.errorCode}` : ''}`;

function tallyOf(answers: DependencyAnswer[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(shown(a), (counts.get(shown(a)) ?? 0) + 1);
  return [...counts].map(([what, n]) => `${n} × ${what}`).join(', ') || 'none';
}

const MIN_ROUNDS = 3;

/** The rounds asked while `gone` was down and the other dependency was up. */
function roundsWhileDown(history: LabHistory, gone: Dependency): DependencyRound[] {
  const other: Dependency = gone === 'redis' ? 'postgres' : 'redis';
  const down = outagesOf(history, gone);
  const otherDown = outagesOf(history, other);
  return roundsOf(history).filter((r) => down.some((o) => inside(r.at, o)) && !otherDown.some((o) => inside(r.at, o)));
}

/** The check of one outage: the routes that need `gone` fail fast with its code, the others keep 200. */
export function judgeOutage(history: LabHistory, gone: Dependency): CheckPart[] {
  const name = gone === 'redis' ? 'Redis' : 'PostgreSQL';
  const during = roundsWhileDown(history, gone);
  if (during.length < MIN_ROUNDS) {
    const stopped = outagesOf(history, gone).length > 0;
    return [part(`routes watched while ${name} was down`, false, `${during.length} rounds while ${name} was down and the other dependency up (need ${MIN_ROUNDS}) — ${stopped ? 'watch the routes while it is stopped' : `press **stop** on ${gone} in Cluster while the routes are watched`}`)];
  }
  const parts = [part(`routes watched while ${name} was down`, true, `${during.length} rounds`)];
  const timeoutMs = Math.max(...during.map((r) => r.timeoutMs));
  const limit = timeoutMs + FAST_SLACK_MS;
  for (const { route, needs, label } of DEPENDENCY_ROUTES) {
    const answers = during.map((r) => answerOf(r, route));
    if (needs === gone) {
      const code = UNAVAILABLE_CODE[gone];
      const wrong = answers.filter((a) => a.status !== 503 || a.errorCode !== code);
      const slowest = Math.max(...answers.map((a) => a.latencyMs));
      parts.push(part(`${label}: 503 ${code}`, wrong.length === 0, `${tallyOf(answers)}${wrong.length ? ' — every answer should be the 503' : ''}`));
      parts.push(part(`${label}: failed fast`, slowest <= limit, `slowest answer ${slowest} ms (the dependency timeout is ${timeoutMs} ms; allowed ${limit} ms)`));
    } else {
      const failed = answers.filter((a) => a.status !== 200);
      parts.push(part(`${label}: still 200`, failed.length === 0, `${tallyOf(answers)}${failed.length ? ` — ${label} should not need ${name}` : ''}`));
    }
  }
  return parts;
}

/** Both dependencies back, and the latest rounds after that all 200. */
export function judgeRecovery(history: LabHistory): CheckPart[] {
  const outages = [...outagesOf(history, 'redis'), ...outagesOf(history, 'postgres')];
  if (!outages.length) return [part('a dependency stopped and started again', false, 'stop Redis or PostgreSQL in Cluster first, then start it again')];
  const open = outages.filter((o) => o.until === Number.POSITIVE_INFINITY);
  if (open.length) return [part('every dependency started again', false, `still down: ${[...new Set(open.map((o) => o.target))].join(', ')} — press **start** in Cluster`)];
  const back = Math.max(...outages.map((o) => o.backAt));
  const after = roundsOf(history).filter((r) => r.at >= back);
  const latest = after.slice(-MIN_ROUNDS);
  const good = (r: DependencyRound) => r.answers.every((a) => a.status === 200);
  const parts = [part('every dependency started again', true, `${outages.length} outage(s) ended`)];
  if (latest.length < MIN_ROUNDS) return [...parts, part('routes watched after the restart', false, `${after.length} rounds since the last start (need ${MIN_ROUNDS}) — watch the routes again`)];
  const firstGood = after.find(good);
  const recovered = firstGood ? `; the first round with three 200s came ${((firstGood.at - back) / 1000).toFixed(1)} s after the last start` : '';
  return [
    ...parts,
    part('every route 200 again', latest.every(good), `${tallyOf(latest.flatMap((r) => r.answers))} in the latest ${latest.length} rounds${recovered}`),
  ];
}

export const lesson07: Lesson = {
  worksheet: {
    id: 7,
    slug: DEPENDENCIES_LESSON,
    title: 'Dependencies fail fast and locally',
    panel: 'dependencies',
    views: ['dependencies', 'cluster', 'stream'],
    summary:
      'A replica needs Redis for sessions and PostgreSQL for the catalogue, and nothing for its stateless routes. When one is gone, only the routes that need it fail — with a 503 at once, not a hang.',
    doc: 'docs/labs.md#7-dependencies-fail-fast-and-locally',
    steps: [
      {
        id: 'redis-down',
        title: 'Stop Redis while the routes are watched',
        text: 'In **Dependencies**, press **Watch the three routes** (60 s). Then, in **Cluster**, press **stop** on `redis`.\n\n**Predict, then watch for:** which of the three routes fail, with what, and how long does a failing request take? The replicas wait at most their dependency timeout (1 s by default) on Redis.',
        check: 'deps-redis-down',
        hints: [
          'The session route reads the client\'s session from Redis; the stateless route and the catalogue never touch it.',
          'The check needs three rounds asked while Redis was stopped and PostgreSQL was up.',
        ],
        solution: 'Dependencies → **Watch**, Cluster → redis → **stop**: the session route answers `503 REDIS_UNAVAILABLE` within a few milliseconds; stateless info and the catalogue keep answering 200.',
      },
      {
        id: 'postgres-down',
        title: 'Now PostgreSQL',
        text: 'Press **start** on `redis`, then **stop** on `postgres`, with the routes still watched (press **Watch** again if the minute is over).\n\n**Predict, then watch for:** the catalogue reads PostgreSQL. What happens to the session route this time?',
        check: 'deps-postgres-down',
        hints: ['`nocache=1` sends the catalogue request past nginx\'s edge cache, to a replica and PostgreSQL.', 'Start Redis first: the check wants rounds with PostgreSQL down and Redis up.'],
        solution: 'Cluster → redis → **start**, postgres → **stop**: the catalogue answers `503 DATABASE_UNAVAILABLE` at once; the session and stateless routes keep 200.',
      },
      {
        id: 'recovered',
        title: 'Bring PostgreSQL back and watch the recovery',
        text: 'Press **start** on `postgres` and keep watching.\n\n**Predict, then watch for:** do the replicas need a restart to use their dependencies again?',
        check: 'deps-recovered',
        hints: ['The replicas reconnect on their own: ioredis retries, and the PostgreSQL pool opens new connections on demand.'],
        solution: 'Cluster → postgres → **start**: within a round or two every route answers 200 again, without restarting any replica.',
      },
    ],
  },
  checks: {
    'deps-redis-down': ({ history }) => judgeOutage(history, 'redis'),
    'deps-postgres-down': ({ history }) => judgeOutage(history, 'postgres'),
    'deps-recovered': ({ history }) => judgeRecovery(history),
  },
  start: startDependencies,
};

