// Lesson 13's checks on synthetic history: a run without keys must show failures the client cannot
// judge, a keyed one none lost, none doubled, every increment acknowledged — each under a kill
// that cut the run's traffic. test/e2e/lesson-13-idempotency-keys.test.ts does it for real.
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { AttemptRecord } from '../../chaos/counter-workload';
import { counterCheck } from '../../cluster/counter-check';
import { checkLab } from '../../lab/lab-checks';
import { LabHistory } from '../../lab/lab-history';
import type { CheckPart } from '../../lab/lab-types';
import type { LessonContext } from '../../lab/lessons/lesson';
import { busiest, lesson13 } from '../../lab/lessons/13-idempotency-keys';
import { errorHandler } from '../../src/errors/error-middleware';
import { IDEMPOTENCY_LESSON, type IdempotencyRun } from '../../lab/lessons/13-idempotency-keys.contract';

function run(keyed: boolean, counts: { attempted: number; acknowledged: number; final: number }, extra: Partial<IdempotencyRun> = {}): IdempotencyRun {
  return {
    runId: `run-${Math.random()}`, keyed, phase: 'done', startedAt: Date.now(), workers: 12, durationMs: 6_000, killAtMs: 1_500, session: 'abcdefgh',
    victim: 'app-2', victimAnswered: 400, killedAtMs: 1_520, statuses: { 200: counts.acknowledged, 502: counts.attempted - counts.acknowledged },
    replicas: { 'app-1': 900, 'app-2': 400, 'app-3': 800 }, nginxRetries: keyed ? 4 : 0, replays: 0,
    check: counterCheck(counts.attempted, counts.acknowledged, counts.final), servingAgainAfterS: 9.5, error: null, ...extra,
  };
}

function historyOf(...runs: IdempotencyRun[]): LabHistory {
  const history = new LabHistory();
  for (const data of runs) history.recordLessonEvent({ type: 'lesson', lesson: IDEMPOTENCY_LESSON, kind: 'run', at: Date.now(), data });
  return history;
}

const step = (history: LabHistory, id: string): CheckPart[] => checkLab(13, { history, components: [] })!.steps.find((s) => s.step === id)!.parts;
const byName = (parts: CheckPart[], name: string) => parts.find((p) => p.name === name)!;

describe('lesson 13: a request cut off mid-flight', () => {
  test('when no run was made, then both steps fail and name the button to press', () => {
    const history = new LabHistory();
    expect(step(history, 'unkeyed')).toEqual([expect.objectContaining({ passed: false, detail: expect.stringContaining('Run without keys') })]);
    expect(step(history, 'keyed')).toEqual([expect.objectContaining({ passed: false, detail: expect.stringContaining('Run with Idempotency-Key') })]);
  });

  test('when an unkeyed run lost 4 increments to a kill and 1 of them was applied anyway, then its step passes and says the client cannot tell which', () => {
    const parts = step(historyOf(run(false, { attempted: 3000, acknowledged: 2996, final: 2997 })), 'unkeyed');
    expect(parts.every((p) => p.passed)).toBe(true);
    expect(byName(parts, 'failures the client cannot judge').detail).toMatch(/4 of 3000 .*4 × 502.*1 of them were applied anyway and 3 were not/);
    expect(byName(parts, 'a replica SIGKILLed while it served the run').detail).toContain('app-2 killed 1.5 s into the 6 s run, after answering 400');
  });

  test('when the kill cut nothing in flight, then the unkeyed step fails and asks for another run', () => {
    const part = byName(step(historyOf(run(false, { attempted: 3000, acknowledged: 3000, final: 3000 })), 'unkeyed'), 'failures the client cannot judge');
    expect(part).toMatchObject({ passed: false, detail: expect.stringContaining('run again') });
  });

  test('when the kill was refused, then the kill part fails with the reason', () => {
    const failed = run(false, { attempted: 3000, acknowledged: 3000, final: 3000 }, { victim: null, killedAtMs: 1_510, error: 'kill app-2: LAB_BUSY' });
    expect(byName(step(historyOf(failed), 'unkeyed'), 'a replica SIGKILLed while it served the run')).toMatchObject({ passed: false, detail: expect.stringContaining('LAB_BUSY') });
  });

  test('when a keyed run acknowledged every increment exactly once, then its step passes; a run still going does not count', () => {
    const done = run(true, { attempted: 2900, acknowledged: 2900, final: 2900 }, { statuses: { 200: 2900, 409: 3 } });
    const going = { ...run(true, { attempted: 0, acknowledged: 0, final: 0 }), phase: 'killed' as const, check: null };
    const parts = step(historyOf(done, going), 'keyed');
    expect(parts.every((p) => p.passed)).toBe(true);
    expect(byName(parts, 'every increment acknowledged').detail).toMatch(/all 2900 increments acknowledged after 2903 requests \(failed on the way: 3 × 409; 4 retried by nginx/);
  });

  test('when a keyed run left increments unacknowledged or counted one twice, then the keyed step fails on that part', () => {
    const unacked = step(historyOf(run(true, { attempted: 2900, acknowledged: 2898, final: 2898 })), 'keyed');
    expect(byName(unacked, 'every increment acknowledged')).toMatchObject({ passed: false, detail: expect.stringContaining('2 of 2900 keyed increments were never acknowledged') });
    const doubled = step(historyOf(run(true, { attempted: 2900, acknowledged: 2900, final: 2901 })), 'keyed');
    expect(byName(doubled, 'nothing lost, nothing doubled')).toMatchObject({ passed: false, detail: expect.stringContaining('duplicated 1') });
  });

  test('when the replica to kill is chosen, then it is the one that answered most, and none before any answer', () => {
    const attempt = (instance?: string): AttemptRecord => ({ op: 0, attempt: 1, worker: 0, startedMs: 0, endedMs: 1, status: instance ? 200 : 0, instance, replayed: false });
    expect(busiest([attempt('app-1'), attempt('app-3'), attempt('app-3'), attempt(), attempt()])).toEqual({ replica: 'app-3', answered: 2 });
    expect(busiest([attempt(), attempt()])).toBeUndefined();
  });
});

describe('the lesson\'s run endpoint refuses before it touches the cluster', () => {
  function appWith(components: { name: string; kind: string; ready: boolean }[]) {
    const ctx = { slug: IDEMPOTENCY_LESSON, components: () => components } as unknown as LessonContext;
    const app = express();
    app.use(express.json());
    app.use(lesson13.start!(ctx).router!);
    app.use(errorHandler(pino({ level: 'silent' })));
    return app;
  }

  test('when the body is not {keyed: boolean}, then it is a 400', async () => {
    const app = appWith([]);
    for (const body of [{}, { keyed: 'yes' }, { keyed: true, workers: 500 }]) expect((await request(app).post('/runs').send(body)).status).toBe(400);
  });

  test('when a replica is not ready, then no run starts and the answer names it', async () => {
    const res = await request(appWith([{ name: 'app-1', kind: 'replica', ready: true }, { name: 'app-2', kind: 'replica', ready: false }])).post('/runs').send({ keyed: false });
    expect([res.status, res.body.error.code, res.body.error.message]).toEqual([409, 'ACTION_NOT_ALLOWED', expect.stringContaining('not ready: app-2')]);
  });
});
