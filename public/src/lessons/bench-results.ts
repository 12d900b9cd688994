// What the bench panel shows of a finished run and of two runs compared: the harness's own numbers
// (results.json, bench/compare.ts), formatted by the report's own formatter so the page and
// report.html never round differently.
import { fmt, percent, range } from '../../../bench/report/format';
import type { BenchComparison, BenchMetricChange, BenchRunSummary } from '../../../lab/lessons/08-state-has-a-price.contract';
import { h } from '../dom';
import { shortLabel, textOn, type ReplicaColours } from '../palette';

const col = (text: string) => h('th', { scope: 'col' }, text);

function swatch(colours: ReplicaColours, replica: string): HTMLElement {
  const colour = colours.colour(replica);
  return h('span', { class: 'swatch', style: `background:${colour};color:${textOn(colour)}` }, shortLabel(replica));
}

/** A run's result: the answer, the ratios with their spread, each scenario's share per replica, the warnings, the report. */
export function runSummaryView(summary: BenchRunSummary, colours: ReplicaColours): HTMLElement {
  const ratios = summary.ratios.length
    ? h('table', { id: 'bench-ratios' },
        h('caption', {}, 'Ratios of requests/s, computed inside each run: the median of the per-run ratios, and the slowest to the fastest run'),
        h('thead', {}, h('tr', {}, col('ratio'), col('median'), col('min–max'), col('per run'), col('question'))),
        h('tbody', {}, ...summary.ratios.map((r) =>
          h('tr', { 'data-ratio': r.name, 'data-median': r.summary.median ?? '', 'data-min': r.summary.min ?? '', 'data-max': r.summary.max ?? '' },
            h('th', { scope: 'row' }, `${r.numerator} / ${r.denominator}`),
            h('td', { class: 'ratio-median' }, h('strong', {}, fmt(r.summary.median, 2))),
            h('td', {}, range(r.summary.min, r.summary.max, 2)),
            h('td', {}, r.perRun.map((v) => fmt(v, 2)).join(', ')),
            h('td', {}, r.question)))))
    : h('p', { class: 'note' }, 'This run has no ratio: it needs two scenarios the harness compares (e.g. stateless-info and stateful-session-read).');
  const replicas = [...new Set(summary.scenarios.flatMap((s) => s.replicas.map((r) => r.replica)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const shares = h('table', { id: 'bench-shares' },
    h('caption', {}, 'Requests/s (median, 95 % interval of the mean) and each replica\'s share of the responses'),
    h('thead', {}, h('tr', {}, col('scenario'), col('req/s'), col('95 % CI'), col('p99 ms'), ...replicas.map((r) => h('th', { scope: 'col' }, swatch(colours, r), ` ${r}`)))),
    h('tbody', {}, ...summary.scenarios.map((s) =>
      h('tr', { 'data-scenario': s.name, 'data-rps': s.requestsPerSecond.median ?? '' },
        h('th', { scope: 'row', title: s.description }, s.name),
        h('td', {}, fmt(s.requestsPerSecond.median)),
        h('td', {}, range(s.requestsPerSecond.ci95Low, s.requestsPerSecond.ci95High)),
        h('td', {}, fmt(s.p99Ms, 1)),
        ...replicas.map((r) => {
          const share = s.replicas.find((x) => x.replica === r);
          return h('td', { 'data-replica': r, 'data-share': share?.share ?? 0 }, share ? percent(share.share) : '–');
        })))));
  return h('div', { class: 'bench-summary', 'data-run-id': summary.runId },
    h('p', { class: 'bench-answer', id: 'bench-answer', 'data-answer': summary.answer ?? '' },
      h('strong', {}, 'What does state cost? '), summary.answer ?? 'This run cannot say: run stateless-info against stateful-session-read or -write.'),
    h('div', { class: 'table-scroll' }, ratios),
    h('div', { class: 'table-scroll' }, shares),
    summary.warnings.length
      ? h('ul', { class: 'bench-warnings', id: 'bench-warnings', 'aria-label': 'warnings the report computes' }, ...summary.warnings.map((w) => h('li', {}, `⚠ ${w}`)))
      : h('p', { class: 'note', id: 'bench-warnings' }, 'No warnings: the load spread where it should, the generator kept up, every answer was 2xx.'),
    h('p', {},
      h('a', { id: 'bench-report', href: summary.reportUrl, target: '_blank', rel: 'noopener' }, `Open report.html of ${summary.runId}`),
      ' ', h('small', {}, `(bench/results/${summary.runId}/ · ${summary.runs} run${summary.runs === 1 ? '' : 's'} · ${summary.commandLine})`)),
  );
}

const signed = (x: number | null): string => (x === null ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`);
const pText = (p: number | null): string => (p === null ? '–' : p < 0.001 ? '< 0.001' : p.toFixed(3));

function changeCells(m: BenchMetricChange, digits: number): HTMLElement[] {
  return [h('td', {}, fmt(m.a, digits)), h('td', {}, fmt(m.b, digits)), h('td', {}, signed(m.change)), h('td', {}, pText(m.pValue)), h('td', {}, m.verdict)];
}

/** The harness's compare of two runs, row by row, as `npm run bench:compare` prints it. */
export function comparisonView(c: BenchComparison): HTMLElement {
  return h('div', { class: 'bench-comparison', id: 'bench-comparison', 'data-a': c.a, 'data-b': c.b },
    h('div', { class: 'table-scroll' },
      h('table', {},
        h('caption', {}, `A = ${c.a}, B = ${c.b}: means over runs, Welch's t-test (two-sided, α = 0.05)`),
        h('thead', {}, h('tr', {}, col('scenario'), col('runs A/B'), col('req/s A'), col('req/s B'), col('change'), col('p'), col('throughput'), col('p99 A'), col('p99 B'), col('change'), col('p'), col('p99 latency'))),
        h('tbody', {}, ...c.rows.map((r) =>
          h('tr', { 'data-scenario': r.scenario, 'data-verdict': r.requestsPerSecond.verdict },
            h('th', { scope: 'row' }, r.scenario), h('td', {}, `${r.runsA}/${r.runsB}`), ...changeCells(r.requestsPerSecond, 0), ...changeCells(r.p99Ms, 1)))))),
    c.onlyInA.length ? h('p', { class: 'note' }, `only in A: ${c.onlyInA.join(', ')}`) : null,
    c.onlyInB.length ? h('p', { class: 'note' }, `only in B: ${c.onlyInB.join(', ')}`) : null,
    ...c.caveats.map((caveat) => h('p', { class: 'note' }, `⚠ ${caveat}`)),
  );
}
