// Lesson 8's checks on synthetic history: the bench panel's 'started', 'finished' and 'reading'
// events as lab/bench-runs/ publishes them. A part fails with what is missing until the step is done.
import { computeRatios } from '../../bench/summary';
import { summariseRun } from '../../lab/bench-runs/bench-results';
import { checkLab } from '../../lab/lab-checks';
import { LabHistory } from '../../lab/lab-history';
import type { CheckPart, LessonEvent } from '../../lab/lab-types';
import { BENCH_LESSON, type BenchFinished, type BenchReading, type BenchStarted } from '../../lab/lessons/08-state-has-a-price.contract';
import { resultsFixture, scenarioFixture } from '../bench/results-fixture';

let at = 1_000;
function publish<T>(history: LabHistory, kind: string, data: T): void {
  at += 1_000;
  history.recordLessonEvent({ type: 'lesson', lesson: BENCH_LESSON, kind, at, data } satisfies LessonEvent<T>);
}

const STATE = ['stateless-info', 'stateful-session-read'];

function started(runId: string, prediction: number | null, scenarios = STATE): BenchStarted {
  return { runId, scenarios, runs: 1, durationSeconds: 2, warmupSeconds: 0, command: 'npm run bench -- …', startedAt: at, plannedSeconds: 4, prediction };
}

function finished(runId: string, rps: Record<string, number>, extra: { non2xx?: number } = {}): BenchFinished {
  const scenarios = Object.entries(rps).map(([name, value]) => {
    const s = scenarioFixture(name, [value]);
    return extra.non2xx && name !== 'stateless-info' ? { ...s, summary: { ...s.summary, non2xx: extra.non2xx } } : s;
  });
  const results = { ...resultsFixture(scenarios), ratios: computeRatios(scenarios) };
  const summary = summariseRun(runId, results);
  return { runId, scenarios: Object.keys(rps), ok: true, error: null, ratios: summary.ratios, summary };
}

function steps(history: LabHistory): Record<string, CheckPart[]> {
  const report = checkLab(8, { history, components: [] })!;
  return Object.fromEntries(report.steps.map((s) => [s.step, s.parts]));
}

describe('lesson 8: state has a price', () => {
  it('when nothing was run, then every step fails and says what to do', () => {
    const report = checkLab(8, { history: new LabHistory(), components: [] })!;
    expect(report.title).toBe('State has a price');
    expect(report.steps.map((s) => s.step)).toEqual(['predict', 'run', 'read', 'repeat']);
    for (const part of report.steps.flatMap((s) => s.parts)) {
      expect(part.passed).toBe(false);
      expect(part.detail).toMatch(/benchmark|reading|comparison/);
    }
  });

  it('when the comparison was started without a prediction, or only the edge cache was run, then the prediction step says which', () => {
    const history = new LabHistory();
    publish(history, 'started', started('2026-12-04T10-00-00Z', 0.5, ['stateless-products', 'stateless-products-cached']));
    expect(steps(history).predict![0]!.detail).toMatch(/^no benchmark of stateless-info against stateful-session-read/);
    publish(history, 'started', started('2026-12-04T10-01-00Z', null));
    expect(steps(history).predict![0]).toMatchObject({ passed: false, detail: expect.stringContaining('started without a prediction') });
    publish(history, 'started', started('2026-12-04T10-02-00Z', 0.8));
    expect(steps(history).predict![0]).toMatchObject({ passed: true, detail: 'you predicted 0.80× before run 2026-12-04T10-02-00Z' });
  });

  it('when a run failed, then the run step names the failure; when one finished, it shows the ratio', () => {
    const history = new LabHistory();
    publish(history, 'finished', { runId: '2026-12-04T10-00-00Z', scenarios: STATE, ok: false, error: 'nothing answers at …', ratios: [], summary: null } satisfies BenchFinished);
    const failed = steps(history).run!;
    expect(failed[0]).toMatchObject({ passed: false, detail: 'the last one failed: nothing answers at … — run it again' });
    publish(history, 'finished', finished('2026-12-04T10-01-00Z', { 'stateless-info': 4000, 'stateful-session-read': 3000 }));
    const parts = steps(history).run!;
    expect(parts.every((p) => p.passed)).toBe(true);
    expect(parts[1]!.detail).toBe('stateful-read / stateless-info = 0.75 (0.75–0.75, 1 run)');
  });

  it('when the stateful scenario answered non-2xx, then the run step fails on its numbers being suspect', () => {
    const history = new LabHistory();
    publish(history, 'finished', finished('2026-12-04T10-00-00Z', { 'stateless-info': 4000, 'stateful-session-read': 3000 }, { non2xx: 12 }));
    const parts = steps(history).run!;
    expect(parts.find((p) => p.name === 'every response 2xx')).toMatchObject({ passed: false, detail: expect.stringContaining('stateful-session-read: 0 errors, 12 non-2xx') });
  });

  it('when the reading is off, then the read step says what was measured; a close one passes and compares it with the prediction', () => {
    const history = new LabHistory();
    publish(history, 'started', started('2026-12-04T10-00-00Z', 0.9));
    publish(history, 'finished', finished('2026-12-04T10-00-00Z', { 'stateless-info': 4000, 'stateful-session-read': 3000 }));
    const reading = (value: number, close: boolean): BenchReading => ({ runId: '2026-12-04T10-00-00Z', ratio: 'stateful-read / stateless-info', value, measured: { median: 0.75, min: 0.75, max: 0.75 }, close });
    publish(history, 'reading', reading(0.4, false));
    expect(steps(history).read![0]).toMatchObject({ passed: false, detail: expect.stringContaining('you read 0.40, but run 2026-12-04T10-00-00Z measured 0.75') });
    publish(history, 'reading', reading(0.75, true));
    expect(steps(history).read![0]).toMatchObject({ passed: true, detail: expect.stringContaining('you predicted 0.90×, 20 % too high') });
  });

  it('when the comparison finished once, then the repeat step asks for a second run; after two it passes with both ratios', () => {
    const history = new LabHistory();
    publish(history, 'finished', finished('2026-12-04T10-00-00Z', { 'stateless-info': 4000, 'stateful-session-read': 3000 }));
    expect(steps(history).repeat![0]).toMatchObject({ passed: false, detail: expect.stringContaining('run it again') });
    publish(history, 'finished', finished('2026-12-04T10-01-00Z', { 'stateless-info': 4000, 'stateful-session-read': 2800 }));
    expect(steps(history).repeat![0]).toMatchObject({ passed: true, detail: expect.stringContaining('0.75 (run 2026-12-04T10-00-00Z), then 0.70 (run 2026-12-04T10-01-00Z), 7 % apart') });
  });

  it('when every step was done, then the worksheet passes', () => {
    const history = new LabHistory();
    publish(history, 'started', started('2026-12-04T10-00-00Z', 0.7));
    publish(history, 'finished', finished('2026-12-04T10-00-00Z', { 'stateless-info': 4000, 'stateful-session-read': 3000 }));
    publish(history, 'reading', { runId: '2026-12-04T10-00-00Z', ratio: 'stateful-read / stateless-info', value: 0.75, measured: { median: 0.75, min: 0.75, max: 0.75 }, close: true } satisfies BenchReading);
    publish(history, 'finished', finished('2026-12-04T10-01-00Z', { 'stateless-info': 4100, 'stateful-session-read': 3000 }));
    expect(checkLab(8, { history, components: [] })!.passed).toBe(true);
  });
});
