// Lesson 13: a POST cut off mid-flight is neither a success nor a failure — the replica may have
// applied it before it died. With an Idempotency-Key a retry is safe, so nothing is lost or doubled.
// The view's run is the chaos suite's own: runCounterWorkload + checkOperations
// (chaos/counter-workload.ts, judged by cluster/counter-check.ts), with the parameters of
// test/e2e/sigkill-idempotency.test.ts, and the kill goes through the lab's chaos path.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { checkOperations, runCounterWorkload, type AttemptRecord } from '../../chaos/counter-workload';
import type { SimulatedClient } from '../../cluster/simulated-client';
import { AppError } from '../../src/errors/app-error';
import type { LabHistory } from '../lab-history';
import type { CheckPart } from '../lab-types';
import { part } from './check-kit';
import type { Lesson, LessonContext, LessonRuntime } from './lesson';
import { IDEMPOTENCY_LESSON, type IdempotencyRun, type IdempotencySnapshot } from './13-idempotency-keys.contract';

const WORKERS = 12;
const DURATION_MS = 6_000;
const KILL_AT_MS = 1_500;
const KEPT_RUNS = 10;
/** nginx skips a replica that failed for fail_timeout (5 s): well within this. */
const SERVING_TIMEOUT_MS = 30_000;

const runBody = z.strictObject({ keyed: z.boolean() });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** The replica that has answered most of the run so far: the kill must cut real traffic. */
export function busiest(attempts: readonly AttemptRecord[]): { replica: string; answered: number } | undefined {
  const [top] = Object.entries(tally(attempts.flatMap((a) => (a.instance ? [a.instance] : [])))).sort(([, a], [, b]) => b - a);
  return top && { replica: top[0], answered: top[1] };
}

/** The last finished run with or without keys. */
function lastDone(history: LabHistory, keyed: boolean): IdempotencyRun | undefined {
  return history.lessonEventsOf<IdempotencyRun>(IDEMPOTENCY_LESSON, 'run').map((e) => e.data).filter((r) => r.phase === 'done' && r.keyed === keyed).at(-1);
}

function missingRun(keyed: boolean): CheckPart[] {
  const button = keyed ? 'Run with Idempotency-Key' : 'Run without keys';
  return [part(`a run ${keyed ? 'with' : 'without'} keys`, false, `no finished run ${keyed ? 'with' : 'without'} keys since the last reset — press **${button}** in A request cut off mid-flight`)];
}

function killPart(run: IdempotencyRun): CheckPart {
  const cut = run.victim !== null && run.killedAtMs !== null && run.killedAtMs < run.durationMs && run.victimAnswered > 0;
  return part('a replica SIGKILLed while it served the run', cut, cut
    ? `${run.victim} killed ${(run.killedAtMs! / 1000).toFixed(1)} s into the ${run.durationMs / 1000} s run, after answering ${run.victimAnswered} of its requests`
    : `no replica serving the run was killed during it${run.error ? ` (${run.error})` : ''} — run again with every replica ready`);
}

const failures = (run: IdempotencyRun) =>
  Object.entries(run.statuses).filter(([status]) => status !== '200').map(([status, n]) => `${n} × ${status === '0' ? 'no answer' : status}`).join(', ') || 'none';

export const lesson13: Lesson = {
  worksheet: {
    id: 13,
    slug: IDEMPOTENCY_LESSON,
    title: 'A request cut off mid-flight',
    panel: 'idempotency',
    views: ['idempotency', 'cluster'],
    summary: 'A POST that reaches a replica which then dies may or may not have been applied: nginx answers 502 and the client cannot know. An Idempotency-Key makes the retry safe: nothing is lost, nothing is counted twice.',
    doc: 'docs/labs.md#13-a-request-cut-off-mid-flight-idempotency-keys',
    steps: [
      {
        id: 'unkeyed',
        title: 'Kill a replica under increments without keys',
        text: 'In **A request cut off mid-flight**, press **Run without keys**: 12 clients increment one counter for 6 s; after 1.5 s the page SIGKILLs the replica answering most of them, and starts it again when the run ends.\n\n**Predict, then watch for:** the increments in flight on the killed replica — were they applied? Look at *unacknowledged* and *ambiguous applied*.',
        check: 'unkeyed-run-cut-off',
        hints: ['The page asks before it kills: say yes.', 'Unacknowledged increments got a 502 (or no answer): the client does not know whether they counted. *Ambiguous applied* is how many the counter says did.'],
        solution: 'A request cut off mid-flight → **Run without keys**: a few increments answer 502; the final counter is at least the acknowledged count and at most acknowledged + unacknowledged — which of the failed ones counted, no client can tell.',
      },
      {
        id: 'keyed',
        title: 'The same kill with an Idempotency-Key on every increment',
        text: 'Press **Run with Idempotency-Key**: every increment carries a key of its own and is retried with the same key until it is acknowledged.\n\n**Predict, then watch for:** how many fail now, and does any count twice? Look at *nginx retries* (X-Upstream lists two replicas) and *replays*.',
        check: 'keyed-run-exact',
        hints: ['nginx re-sends a keyed POST to another replica after a connection failure; it never does that for an unkeyed one.', 'A retry that meets the dead replica\'s claim gets 409 and tries again after Retry-After.'],
        solution: 'A request cut off mid-flight → **Run with Idempotency-Key**: every increment acknowledged, final = acknowledged, lost 0, duplicated 0.',
      },
    ],
  },
  checks: {
    'unkeyed-run-cut-off': ({ history }) => {
      const run = lastDone(history, false);
      if (!run?.check) return missingRun(false);
      const c = run.check;
      return [
        killPart(run),
        part('failures the client cannot judge', c.unacknowledged > 0, c.unacknowledged > 0
          ? `${c.unacknowledged} of ${c.attempted} increments got no success answer (${failures(run)}); the counter says ${c.ambiguousApplied} of them were applied anyway and ${c.unacknowledged - c.ambiguousApplied} were not — from its answers alone the client cannot tell which`
          : `all ${c.attempted} increments were acknowledged: the kill cut none in flight — run again`),
        part('acknowledged ≤ final ≤ attempted', c.lost === 0 && c.duplicated === 0, `acknowledged ${c.acknowledged}, final ${c.final}, attempted ${c.attempted}: lost ${c.lost}, duplicated ${c.duplicated}`),
      ];
    },
    'keyed-run-exact': ({ history }) => {
      const run = lastDone(history, true);
      if (!run?.check) return missingRun(true);
      const c = run.check;
      return [
        killPart(run),
        part('every increment acknowledged', c.unacknowledged === 0, c.unacknowledged === 0
          ? `all ${c.attempted} increments acknowledged after ${Object.values(run.statuses).reduce((a, b) => a + b, 0)} requests (failed on the way: ${failures(run)}; ${run.nginxRetries} retried by nginx, ${run.replays} replayed)`
          : `${c.unacknowledged} of ${c.attempted} keyed increments were never acknowledged (${failures(run)}): their retries ran out`),
        part('nothing lost, nothing doubled', c.lost === 0 && c.duplicated === 0 && c.final === c.acknowledged, `final ${c.final} = acknowledged ${c.acknowledged}: lost ${c.lost}, duplicated ${c.duplicated}`),
      ];
    },
  },
  start: (ctx) => idempotencyRuntime(ctx),
};

function idempotencyRuntime(ctx: LessonContext): LessonRuntime {
  let runs: IdempotencyRun[] = [];
  let running = false;

  function publish(run: IdempotencyRun): void {
    runs = [...runs.filter((r) => r.runId !== run.runId), { ...run }].slice(-KEPT_RUNS);
    ctx.publish<IdempotencyRun>('run', { ...run });
  }

  /** Probes through nginx until the restarted replica answers again (nginx skipped it for fail_timeout). */
  async function untilServes(client: SimulatedClient, replica: string, runId: string): Promise<boolean> {
    const deadline = Date.now() + SERVING_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const reply = await client.get('/api/v1/stateless/info');
      ctx.record(reply, 'stateless', runId);
      if (reply.status === 200 && reply.replica === replica) return true;
      await sleep(200);
    }
    return false;
  }

  async function readCounter(owner: SimulatedClient, runId: string): Promise<number> {
    let last = '';
    for (let i = 0; i < 10; i += 1) {
      const reply = await owner.get('/api/v1/stateful/counter');
      ctx.record(reply, 'stateful', runId);
      if (reply.status === 200 && typeof reply.json.atomic === 'number') return reply.json.atomic;
      last = `${reply.status} ${reply.errorCode ?? ''}`;
      await sleep(500);
    }
    throw new Error(`the counter could not be read back (last answer ${last})`);
  }

  async function runOnce(keyed: boolean): Promise<IdempotencyRun> {
    const notReady = ctx.components().filter((c) => c.kind === 'replica' && !c.ready);
    if (notReady.length) {
      throw new AppError('ACTION_NOT_ALLOWED', `every replica must be ready before a run (not ready: ${notReady.map((c) => c.name).join(', ')}): start it in the Cluster panel`);
    }
    const run: IdempotencyRun = {
      runId: randomUUID(), keyed, phase: 'running', startedAt: Date.now(), workers: WORKERS, durationMs: DURATION_MS, killAtMs: KILL_AT_MS,
      session: null, victim: null, victimAnswered: 0, killedAtMs: null, statuses: {}, replicas: {}, nginxRetries: 0, replays: 0, check: null, servingAgainAfterS: null, error: null,
    };
    // A fresh client owns the counter; the workers come from fresh addresses too, so ip_hash
    // spreads them over the replicas as it would spread twelve students.
    const owner = ctx.freshClient();
    let killed: string | null = null;
    try {
      const created = await owner.request('POST', '/api/v1/stateful/sessions');
      ctx.record(created, 'stateful', run.runId);
      if (created.status !== 201 || !owner.cookie) throw new Error(`no session for the counter: POST /api/v1/stateful/sessions answered ${created.status} ${created.errorCode ?? ''}`);
      run.session = String(created.json.sessionId).slice(0, 8);
      const addresses = Array.from({ length: WORKERS }, () => {
        const worker = ctx.freshClient();
        worker.close();
        return worker.address!;
      });
      publish(run);
      const workload = runCounterWorkload({ baseUrl: ctx.nginxUrl, cookie: owner.cookie, workers: WORKERS, durationMs: DURATION_MS, keyed, addressOf: (i) => addresses[i]! });
      await sleep(KILL_AT_MS);
      const victim = busiest(workload.attempts);
      if (victim) {
        try {
          const kill = await ctx.act({ action: 'kill', target: victim.replica });
          if (kill.ok) killed = victim.replica;
          else run.error = `kill ${victim.replica}: ${kill.message}`;
        } catch (err) {
          run.error = `kill ${victim.replica}: ${message(err)}`;
        }
        Object.assign(run, { victim: killed, victimAnswered: victim.answered, killedAtMs: Date.now() - run.startedAt, phase: killed ? 'killed' : 'running' });
      } else {
        run.error = 'no replica had answered the run after 1.5 s; nothing was killed';
      }
      publish(run);
      const { attempts, operations } = await workload.done;
      Object.assign(run, {
        phase: killed ? 'restarting' : run.phase,
        statuses: tally(attempts.map((a) => String(a.status))),
        replicas: tally(attempts.flatMap((a) => (a.instance ? [a.instance] : []))),
        nginxRetries: attempts.filter((a) => a.upstream?.includes(',')).length,
        replays: attempts.filter((a) => a.replayed).length,
      });
      publish(run);
      if (killed) {
        const start = await ctx.act({ action: 'start', target: killed });
        killed = null;
        if (!start.ok) throw new Error(`start ${run.victim}: ${start.message}`);
        if (await untilServes(owner, run.victim!, run.runId)) run.servingAgainAfterS = (Date.now() - run.startedAt) / 1000;
      }
      run.check = checkOperations(operations, await readCounter(owner, run.runId));
      run.phase = 'done';
    } catch (err) {
      Object.assign(run, { phase: 'failed', error: message(err) });
    } finally {
      // Whatever failed, the replica this run killed is started again.
      if (killed) await ctx.act({ action: 'start', target: killed }).catch((err: unknown) => ctx.logger.error({ err, replica: killed }, 'idempotency lesson: restart failed'));
      owner.close();
    }
    publish(run);
    return run;
  }

  const router = Router();
  router.get('/runs', (_req, res) => {
    res.json({ runs } satisfies IdempotencySnapshot);
  });
  router.post('/runs', async (req, res) => {
    const { keyed } = runBody.parse(req.body ?? {});
    // One at a time: a run kills a replica, and two would kill two.
    if (running) throw new AppError('LAB_BUSY', 'a run of this lesson is in progress: wait for it to end (about 15 s)');
    running = true;
    try {
      res.json(await runOnce(keyed));
    } finally {
      running = false;
    }
  });

  return {
    router,
    snapshot: (): IdempotencySnapshot => ({ runs }),
    reset: () => {
      runs = runs.filter((r) => r.phase !== 'done' && r.phase !== 'failed');
    },
  };
}
