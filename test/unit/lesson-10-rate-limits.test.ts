import type { Exchange } from '../../cluster/simulated-client';
import { checkLab } from '../../lab/lab-checks';
import { LabHistory } from '../../lab/lab-history';
import type { LessonEvent } from '../../lab/lab-types';
import { summarize } from '../../lab/lessons/10-rate-limits';
import { LIMITS_LESSON, type LimitStore, type LimitVia } from '../../lab/lessons/10-rate-limits.contract';

const LIMIT = 10;

function answer(status: number, replica: string | null, extra: Partial<Exchange> = {}): Exchange {
  const json = status === 200 ? { store: 'memory', allowed: true, limit: LIMIT, remaining: 3, degraded: false } : status === 429 ? { error: { code: 'RATE_LIMITED', details: { limit: LIMIT, windowSeconds: 60 } } } : {};
  return {
    client: 'rate-limits-1', at: Date.now(), method: 'GET', path: '/api/v1/limits/memory', status, replica, upstream: null, retried: false, latencyMs: 1,
    requestId: null, errorCode: status === 429 ? 'RATE_LIMITED' : null, headers: { 'ratelimit-policy': '"10-per-60"; q=10; w=60', ratelimit: '"10-per-60"; r=0; t=60' }, text: '', json, cookie: undefined, ...extra,
  };
}

/** `allowed` answers from each listed replica in turn, then 429s up to `sent`. */
function replies(sent: number, allowedBy: Record<string, number>): Exchange[] {
  const out: Exchange[] = [];
  for (const [replica, n] of Object.entries(allowedBy)) for (let i = 0; i < n; i++) out.push(answer(200, replica));
  const replicas = Object.keys(allowedBy);
  while (out.length < sent) out.push(answer(429, replicas[out.length % replicas.length]!));
  return out;
}

function probe(history: LabHistory, store: LimitStore, via: LimitVia, answers: Exchange[]): void {
  const data = summarize({ id: `p${history.lessonEvents.length}`, at: Date.now(), store, via, client: 'rate-limits-1', address: '127.1.1.1' }, answers);
  const event: LessonEvent = { type: 'lesson', lesson: LIMITS_LESSON, kind: 'probe', at: data.at, data };
  history.recordLessonEvent(event);
}

const step = (history: LabHistory, id: string) => checkLab(10, { history, components: [] })!.steps.find((s) => s.step === id)!;

describe('lesson 10: rate limits, per replica vs shared', () => {
  test('when a probe is summed up, then allowed, refused, the stated limit, the drift and the per-replica counts are the answers\'', () => {
    const p = summarize({ id: 'x', at: 1, store: 'memory', via: 'least_conn', client: 'c', address: '127.1.1.1' }, replies(30, { 'app-1': 10, 'app-2': 10, 'app-3': 8 }));
    expect(p).toMatchObject({ sent: 30, allowed: 28, refused: 2, other: 0, limit: 10, windowSeconds: 60, drift: 2.8, path: '/api/v1/limits/memory' });
    expect(p.byReplica).toEqual({ 'app-1': { allowed: 10, refused: 0 }, 'app-2': { allowed: 10, refused: 1 }, 'app-3': { allowed: 8, refused: 1 } });
    expect(p.headers.policy).toBe('"10-per-60"; q=10; w=60');
    expect(summarize({ id: 'y', at: 1, store: 'redis', via: 'ip_hash', client: 'c', address: 'a' }, []).path).toBe('/sticky/api/v1/limits/redis');
  });

  test('when nothing was probed, then every step fails and says which button to press', () => {
    const report = checkLab(10, { history: new LabHistory(), components: [] })!;
    expect(report.passed).toBe(false);
    for (const s of report.steps) expect(s.parts[0]!.detail).toMatch(/no probe of the .* press its button/);
  });

  test('when the memory store let 30 of 30 through on three replicas, then the drift step passes', () => {
    const history = new LabHistory();
    probe(history, 'memory', 'least_conn', replies(30, { 'app-1': 10, 'app-2': 10, 'app-3': 10 }));
    const s = step(history, 'memory-least-conn');
    expect(s.passed).toBe(true);
    expect(s.parts[0]!.detail).toContain('30 of 30 allowed with a limit of 10 (drift 3×');
  });

  test('when only one replica counted the memory store (the others were down), then the drift step fails and says so', () => {
    const history = new LabHistory();
    probe(history, 'memory', 'least_conn', replies(30, { 'app-1': 10 }));
    const s = step(history, 'memory-least-conn');
    expect(s.passed).toBe(false);
    expect(s.parts.find((p) => p.name === 'more than the limit let through')).toMatchObject({ passed: false, detail: expect.stringContaining('only one replica up') });
    expect(s.parts.find((p) => p.name === 'counted on several replicas')?.passed).toBe(false);
  });

  test('when a probe sent no more than the limit, then it does not count and the step asks for more requests', () => {
    const history = new LabHistory();
    probe(history, 'memory', 'least_conn', replies(10, { 'app-1': 4, 'app-2': 3, 'app-3': 3 }));
    expect(step(history, 'memory-least-conn').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('not more than the limit of 10') });
  });

  test('when the Redis store let exactly the limit through over several replicas, then its step passes; when it failed open, it fails and says degraded', () => {
    const history = new LabHistory();
    probe(history, 'redis', 'least_conn', replies(30, { 'app-1': 4, 'app-2': 3, 'app-3': 3 }));
    expect(step(history, 'redis-least-conn')).toMatchObject({ passed: true, parts: [expect.objectContaining({ detail: expect.stringContaining('3 replicas answered, one counter in Redis') })] });

    const degraded = Array.from({ length: 30 }, (_, i) => answer(200, `app-${(i % 3) + 1}`, { json: { allowed: true, limit: LIMIT, remaining: null, degraded: true } }));
    probe(history, 'redis', 'least_conn', degraded);
    expect(step(history, 'redis-least-conn').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('30 passed unlimited because Redis could not count') });
  });

  test('when the memory store through ip_hash let the limit through from one replica, then its step passes; answers from two replicas fail it', () => {
    const history = new LabHistory();
    probe(history, 'memory', 'ip_hash', replies(30, { 'app-2': 10 }));
    expect(step(history, 'memory-ip-hash').passed).toBe(true);

    const moved = replies(30, { 'app-2': 10 });
    moved[20] = answer(200, 'app-3');
    probe(history, 'memory', 'ip_hash', moved);
    const s = step(history, 'memory-ip-hash');
    expect(s.parts.find((p) => p.name === 'one replica answered')).toMatchObject({ passed: false, detail: expect.stringContaining('app-2, app-3') });
  });

  test('when a probe met a 503, then it is not judged and the step says to probe again', () => {
    const history = new LabHistory();
    const broken = replies(30, { 'app-1': 10 });
    broken[15] = answer(503, null);
    probe(history, 'memory', 'ip_hash', broken);
    expect(step(history, 'memory-ip-hash').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('neither 200 nor 429') });
  });
});
