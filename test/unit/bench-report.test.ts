// The bench report's ratios: a chart on which every ratio can be read (the cache ratio is ~30×,
// the ones the lesson is about 0.17–0.78), and a target column that reads as the goal.
import { goalVerdict } from '../../bench/report/format';
import { renderHtml } from '../../bench/report/html';
import { renderMarkdown } from '../../bench/report/markdown';
import { logTicks, ratioChart } from '../../bench/report/svg';
import { computeRatios } from '../../bench/summary';
import { resultsFixture, scenarioFixture } from '../bench/results-fixture';

/** Per bar of a ratio chart: its label (from the <title>) and its left and right edge in px. */
function bars(svg: string): Map<string, { left: number; right: number }> {
  const found = new Map<string, { left: number; right: number }>();
  for (const m of svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>([^:]+):/g)) {
    found.set(m[3]!, { left: Number(m[1]), right: Number(m[1]) + Number(m[2]) });
  }
  return found;
}

/** x of the axis tick labelled `label` (e.g. "1×"). */
function tickAt(svg: string, label: string): number {
  const m = new RegExp(`<text x="([\\d.]+)"[^>]*>${label.replace('.', '\\.')}</text>`).exec(svg);
  if (!m) throw new Error(`no tick ${label}`);
  return Number(m[1]);
}

describe('bench report: ratios', () => {
  // Requests/s chosen so the ratios are those of the report that prompted this (issue 22).
  const scenarios = [
    scenarioFixture('baseline', [10_000, 10_000]),
    scenarioFixture('stateless-info', [4_000, 4_000]),
    scenarioFixture('stateless-info-direct', [3_200, 3_200]),
    scenarioFixture('stateful-session-read', [2_560, 2_560]),
    scenarioFixture('stateful-session-write', [680, 680]),
    scenarioFixture('stateless-products', [100, 100]),
    scenarioFixture('stateless-products-cached', [3_080, 3_080]),
  ];
  const results = { ...resultsFixture(scenarios), ratios: computeRatios(scenarios) };
  const median = (name: string): number => results.ratios.find((r) => r.name === name)!.summary.median!;

  it('when the ratios span 0.17 to 30×, then on the chart each bar is long enough to read and none hides another', () => {
    expect(median('products cached / uncached')).toBeCloseTo(30.8, 5);
    expect(median('stateful-write / stateless-info')).toBeCloseTo(0.17, 5);
    const svg = ratioChart(
      results.ratios.map((q) => ({ label: q.name, value: q.summary.median, min: q.summary.min, max: q.summary.max, target: q.target })),
      'Ratios',
    );
    const drawn = bars(svg);
    expect([...drawn.keys()].sort()).toEqual(results.ratios.map((r) => r.name).sort());
    const one = tickAt(svg, '1×');
    const lengths = [...drawn.values()].map((b) => b.right - b.left).sort((a, b) => a - b);
    // On the old linear axis up to 50×, 0.78 was 10 px long and 0.64 and 0.78 were 2 px apart.
    expect(lengths[0]).toBeGreaterThan(20);
    for (let i = 1; i < lengths.length; i++) expect(lengths[i]! - lengths[i - 1]!).toBeGreaterThan(10);
    // Below 1 the bar grows to the left of the 1× line, above 1 to the right.
    expect(drawn.get('stateful-read / stateless-info')!.right).toBeCloseTo(one, 0);
    expect(drawn.get('nginx / direct')!.left).toBeCloseTo(one, 0);
    // A log axis: 0.5× and 2× lie equally far from 1×.
    expect(one - tickAt(svg, '0.5×')).toBeCloseTo(tickAt(svg, '2×') - one, 0);
  });

  it('when the 1-2-5 ticks are chosen, then they enclose the values and nothing more', () => {
    expect(logTicks(0.15, 34)).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]);
    expect(logTicks(0.5, 2)).toEqual([0.5, 1, 2]);
  });

  it('when a ratio misses or meets its goal, then the target column states the goal, then the value', () => {
    expect(goalVerdict(0.64, 0.75)).toEqual({ met: false, text: 'goal ≥ 0.75: 0.64 ✘ (-15 %)' });
    expect(goalVerdict(0.8, 0.75)).toEqual({ met: true, text: 'goal ≥ 0.75: 0.80 ✔' });
    expect(goalVerdict(0.8, null)).toBeUndefined();
    const markdown = renderMarkdown(results);
    expect(markdown).toContain('| goal ≥ 0.75: 0.64 ✘ (-15 %) |');
    expect(markdown).not.toMatch(/< 0\.75/);
    const html = renderHtml(results);
    expect(html).toContain('<span class="bad">goal ≥ 0.75: 0.64 ✘ (-15 %)</span>');
    expect(html).toContain('<span class="ok">goal ≥ 1.2: 1.25 ✔</span>');
  });
});

describe('bench report: is a ratio fit to quote?', () => {
  it('when a ratio has too few runs or too wide an interval, then the report and report.md say it is not fit to quote, and name it', () => {
    const steady = [scenarioFixture('stateless-info', [4000, 4010, 3990, 4000, 4005]), scenarioFixture('stateful-session-read', [2560, 2570, 2550, 2565, 2560])];
    const calm = { ...resultsFixture(steady), ratios: computeRatios(steady) };
    expect(calm.ratios[0]?.quotable?.ok).toBe(true);
    expect(renderHtml(calm)).not.toContain('Not fit to quote');
    expect(renderMarkdown(calm)).toMatch(/✔ 95 % interval 0\.64–0\.64 \(±0 %\) over 5 runs/);

    const noisy = [scenarioFixture('stateless-info', [4000, 6700, 3600]), scenarioFixture('stateful-session-read', [2560, 3000, 2900])];
    const shaky = { ...resultsFixture(noisy), ratios: computeRatios(noisy) };
    expect(renderHtml(shaky)).toContain('Not fit to quote: stateful-read / stateless-info');
    expect(renderMarkdown(shaky)).toMatch(/✘ 95 % interval [\d.]+–[\d.]+ \(±\d+ %\) is wider than ±10 %/);
  });
});
