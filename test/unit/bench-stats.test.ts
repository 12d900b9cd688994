import {
  confidenceInterval,
  median,
  quantileSorted,
  ratioInterval,
  spread,
  tCritical,
  twoSidedPValue,
  welchTTest,
} from '../../bench/stats';
import { compareResults, formatComparison } from '../../bench/compare';
import { spawn } from 'node:child_process';
import { cpuSeconds } from '../../bench/processes';
import { computeRatios, cpuBreakdown, quotability, summarise } from '../../bench/summary';
import { resultsFixture, scenarioFixture } from '../bench/results-fixture';

// Reference values computed with SciPy 1.17 (scipy.stats.t, scipy.stats.ttest_ind(equal_var=False)).
describe('bench statistics', () => {
  it('when values are given, then median, min, max and mean are the textbook ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(spread([5, 1, 9])).toEqual({ median: 5, min: 1, max: 9, mean: 5 });
  });

  it('when a quantile falls between two samples, then it interpolates linearly', () => {
    expect(quantileSorted([10, 20, 30, 40, 50], 0.5)).toBe(30);
    expect(quantileSorted([10, 20], 0.95)).toBeCloseTo(19.5, 10);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('when asked for 95 % critical values, then they match Student t tables', () => {
    expect(tCritical(1)).toBeCloseTo(12.7062, 3);
    expect(tCritical(2)).toBeCloseTo(4.30265, 4);
    expect(tCritical(4)).toBeCloseTo(2.77645, 4);
    expect(tCritical(9)).toBeCloseTo(2.26216, 4);
    expect(twoSidedPValue(0, 5)).toBeCloseTo(1, 10);
  });

  it('when three runs are given, then the 95 % interval of the mean uses t with 2 degrees of freedom', () => {
    const ci = confidenceInterval([5000, 5100, 4950]);
    expect(ci.mean).toBeCloseTo(5016.667, 2);
    expect(ci.low).toBeCloseTo(4826.9375, 2);
    expect(ci.high).toBeCloseTo(5206.3958, 2);
  });

  it('when only one run is given, then the interval collapses to the mean instead of inventing a spread', () => {
    expect(confidenceInterval([42])).toEqual({ mean: 42, low: 42, high: 42, halfWidth: 0 });
  });

  it('when two samples really differ, then Welch’s test finds the difference significant', () => {
    const a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const result = welchTTest(a, b);
    expect(result.t).toBeCloseTo(2.455356, 5);
    expect(result.degreesOfFreedom).toBeCloseTo(24.98853, 4);
    expect(result.pValue).toBeCloseTo(0.021378, 5);
    expect(result.significant).toBe(true);
  });

  it('when runs overlap within their noise, then Welch’s test reports no significant difference', () => {
    const result = welchTTest([1000, 1010, 990], [1003, 995, 1008]);
    expect(result.pValue).toBeCloseTo(0.788608, 5);
    expect(result.significant).toBe(false);
  });

  it('when a side has a single run, then no significance is claimed', () => {
    expect(welchTTest([1000], [2000, 2001]).significant).toBe(false);
  });
});

describe('bench compare and ratios', () => {
  it('when B is clearly faster in every run, then compare calls it significantly better', () => {
    const a = resultsFixture([scenarioFixture('stateless-info', [3000, 3050, 2980])]);
    const b = resultsFixture([scenarioFixture('stateless-info', [3600, 3650, 3620])]);
    const [row] = compareResults(a, b).rows;
    expect(row?.requestsPerSecond.verdict).toBe('significantly better');
    expect(row?.requestsPerSecond.change).toBeCloseTo(0.2, 1);
  });

  it('when A and B overlap within run-to-run noise, then compare says "no significant difference"', () => {
    const a = resultsFixture([scenarioFixture('stateless-info', [3000, 3200, 2900])]);
    const b = resultsFixture([scenarioFixture('stateless-info', [3100, 2950, 3150])]);
    const comparison = compareResults(a, b);
    expect(comparison.rows[0]?.requestsPerSecond.verdict).toBe('no significant difference');
    expect(formatComparison(comparison, 'A', 'B')).toContain('no significant difference');
  });

  it('when ratios are computed, then each run is divided by the same run of the other scenario', () => {
    const scenarios = [scenarioFixture('stateless-info', [1000, 2000]), scenarioFixture('stateful-session-read', [800, 1000])];
    const ratio = computeRatios(scenarios).find((r) => r.name === 'stateful-read / stateless-info');
    expect(ratio?.perRun).toEqual([0.8, 0.5]);
    expect(ratio?.summary.median).toBeCloseTo(0.65, 10);
  });

  // Reference: Student t (df = n − 1) on the natural logs, computed by hand in Python.
  it('when a ratio has several runs, then its interval is the t interval of the log ratios, centred on the geometric mean', () => {
    const wide = ratioInterval([0.6, 0.65, 0.7]);
    expect(wide?.centre).toBeCloseTo(0.648715, 5);
    expect(wide?.low).toBeCloseTo(0.535650, 5);
    expect(wide?.high).toBeCloseTo(0.785647, 5);
    expect(ratioInterval([0.7])).toBeNull();
  });

  it('when a ratio is judged fit to quote, then it needs three runs and an interval within ± 10 %', () => {
    const steady = [0.62, 0.63, 0.64, 0.63, 0.625];
    const narrow = ratioInterval(steady);
    expect(narrow?.relativeHalfWidth).toBeCloseTo(0.014613, 5);
    expect(quotability(steady, narrow)).toEqual({ ok: true, reason: '95 % interval 0.62–0.64 (±1 %) over 5 runs' });
    const noisy = [0.6, 0.65, 0.7];
    expect(quotability(noisy, ratioInterval(noisy))).toMatchObject({ ok: false, reason: expect.stringMatching(/^95 % interval 0\.54–0\.79 \(±19 %\) is wider than ±10 %/) });
    expect(quotability([0.6, 0.61], ratioInterval([0.6, 0.61]))).toEqual({ ok: false, reason: '2 runs: too few for an interval (use --runs 5)' });
    const scenarios = [scenarioFixture('stateless-info', [1000, 1000, 1000, 1000, 1000]), scenarioFixture('stateful-session-read', steady.map((r) => r * 1000))];
    expect(computeRatios(scenarios)[0]).toMatchObject({ interval: { level: 0.95, low: expect.closeTo(0.61984, 4), high: expect.closeTo(0.63822, 4) }, quotable: { ok: true } });
  });
});

describe('bench CPU per response', () => {
  const withCpu = (perRun: Record<string, number>[]) => {
    const base = scenarioFixture('stateful-session-read', perRun.map(() => 2000));
    const runs = base.runs.map((r, i) => ({ ...r, cpuPerResponseUs: perRun[i]! }));
    return { ...base, runs, summary: summarise(runs) };
  };

  it('when runs carry CPU per response, then each process gets its median over the runs', () => {
    const s = withCpu([
      { 'app-1': 400, redis: 30, nginx: 0.2 },
      { 'app-1': 500, redis: 26, nginx: 0.1 },
      { 'app-1': 450, redis: 28, nginx: 0.3 },
    ]);
    expect(s.summary.cpuPerResponseUs?.['app-1']?.median).toBe(450);
    expect(s.summary.cpuPerResponseUs?.redis).toMatchObject({ median: 28, min: 26, max: 30 });
  });

  it('when a process only idled through the scenario, then the breakdown leaves it out and lists the busiest first', () => {
    const s = withCpu([{ redis: 30, 'app-1': 400, nginx: 0.2 }]);
    expect(cpuBreakdown(s)).toEqual([
      { name: 'app-1', us: 400 },
      { name: 'redis', us: 30 },
    ]);
  });

  it('when the runs carry no CPU figures (an older results.json), then there is no breakdown', () => {
    const s = scenarioFixture('stateless-info', [3000, 3100]);
    expect(s.summary.cpuPerResponseUs).toBeUndefined();
    expect(cpuBreakdown(s)).toEqual([]);
  });

  it('when a process has children (nginx and its workers), then its CPU time includes theirs', () => {
    // A live busy child of this process is counted; a pid that does not exist reads as null.
    const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 1500; while (Date.now() < end);']);
    const before = cpuSeconds(process.pid)!;
    const own = process.cpuUsage();
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        const after = cpuSeconds(process.pid)!;
        const ownSeconds = (process.cpuUsage(own).user + process.cpuUsage(own).system) / 1e6;
        // The child burnt ~0.8 s of CPU in that time; this process alone far less.
        expect(after - before).toBeGreaterThan(ownSeconds + 0.2);
        expect(cpuSeconds(2 ** 22 + 12345)).toBeNull();
        busy.kill();
        resolve();
      }, 800);
    });
  });
});
