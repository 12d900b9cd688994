// report.html: one self-contained file (inline CSS and SVG, no scripts, no network) with the
// charts an instructor projects and the same tables as report.md.
import type { Results } from '../results-schema';
import { cpuBreakdown, MAX_REPLICA_SHARE } from '../summary';
import { escapeHtml, fmt, goalVerdict, ms, percent, range, sortedReplicas } from './format';
import { environmentRows } from './markdown';
import { barChart, groupedChart, PALETTE, ratioChart, stackedShareChart } from './svg';

const STYLE = `
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}
td:first-child,th:first-child{text-align:left}table.kv td{text-align:left}.warn{background:#fff4e5;border-left:4px solid #f28e2b;padding:.4rem .8rem;margin:.3rem 0}
.note{color:#555;font-size:.85rem}.ok{color:#2e7d32}.bad{color:#c62828}`;

function htmlTable(header: string[], rows: string[][], className = ''): string {
  const head = header.some((h) => h !== '') ? `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>` : '';
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return `<table${className ? ` class="${className}"` : ''}>${head}${body}</table>`;
}

function ratiosSection(r: Results): string {
  if (!r.ratios.length) return '';
  const rows = r.ratios.map((q) => {
    const m = q.summary.median;
    const goal = goalVerdict(m, q.target);
    const verdict = goal ? `<span class="${goal.met ? 'ok' : 'bad'}">${escapeHtml(goal.text)}</span>` : '';
    const quote = q.quotable ? `<span class="${q.quotable.ok ? 'ok' : 'bad'}">${q.quotable.ok ? '✔' : '✘'} ${escapeHtml(q.quotable.reason)}</span>` : '';
    return `<tr><td>${escapeHtml(`${q.numerator} / ${q.denominator}`)}</td><td style="text-align:left">${escapeHtml(q.question)}</td><td>${fmt(m, 2)}</td><td>${range(q.summary.min, q.summary.max, 2)}</td><td>${q.interval ? range(q.interval.low, q.interval.high, 2) : '—'}</td><td style="text-align:left">${quote}</td><td style="white-space:nowrap">${verdict}</td></tr>`;
  });
  const chart = ratioChart(
    r.ratios.map((q, i) => ({ label: q.name, value: q.summary.median, min: q.summary.min, max: q.summary.max, target: q.target, color: PALETTE[(i + 4) % PALETTE.length] })),
    'Ratios',
  );
  const unfit = r.ratios.filter((q) => q.quotable && !q.quotable.ok);
  // Said above the numbers, where an instructor projecting the report cannot miss it.
  const unfitBanner = unfit.length ? `<p class="warn">Not fit to quote: ${unfit.map((q) => escapeHtml(q.name)).join(', ')} — their interval is missing or too wide (see the table).</p>` : '';
  const note = '<p class="note">Median of the runs, dots at the extremes; a log axis from 1 (no difference), so 0.5× and 2× are equally long; red mark: the goal.</p>';
  return `<h2>Ratios (computed inside each run)</h2>${unfitBanner}${chart}${note}<table><tr><th>ratio</th><th style="text-align:left">question</th><th>median</th><th>min–max</th><th>95 % interval</th><th style="text-align:left">fit to quote</th><th>target</th></tr>${rows.join('')}</table>`;
}

export function renderHtml(r: Results): string {
  const s = r.scenarios;
  const throughput = barChart(
    s.map((x) => {
      const q = x.summary.requestsPerSecond;
      return { label: x.name, value: q.median, low: q.ci95Low, high: q.ci95High, min: q.min, max: q.max };
    }),
    'req/s',
    'Throughput',
  );
  const latency = groupedChart(
    s.map((x) => ({
      label: x.name,
      values: [
        { key: 'p50', value: x.summary.latencyMs.p50.median },
        { key: 'p95', value: x.summary.latencyMs.p95.median },
        { key: 'p99', value: x.summary.latencyMs.p99.median },
      ],
    })),
    'ms',
    'Latency percentiles',
  );
  const replicas = sortedReplicas(s.flatMap((x) => Object.keys(x.summary.perReplica)));
  const distribution = stackedShareChart(
    s.map((x) => ({ label: `${x.name}${x.meantToSpread ? '' : ' (single)'}`, parts: replicas.map((id) => ({ key: id, value: x.summary.perReplica[id] ?? 0 })) })),
    replicas,
    'Responses per replica',
    MAX_REPLICA_SHARE,
  );
  const withCpu = s.filter((x) => cpuBreakdown(x).length > 0);
  const cpuNames = [...new Set(withCpu.flatMap((x) => cpuBreakdown(x).map((p) => p.name)))].sort();
  const cpu = withCpu.length
    ? `<h2>CPU per response (µs, median of runs)</h2><p class="note">CPU time each server process spent during a measurement, divided by the responses: where one response's time went, Redis included.</p>` +
      groupedChart(
        withCpu.map((x) => ({ label: x.name, values: cpuNames.map((name) => ({ key: name, value: cpuBreakdown(x).find((p) => p.name === name)?.us ?? 0 })) })),
        'µs',
        'CPU per response',
      )
    : '';
  const counters = s.filter((x) => x.parameters.counter);
  const lost = counters.length
    ? `<h2>Lost updates</h2><p class="note">Per counter scenario, summed over runs: increments the server acknowledged with 2xx, the value the counter actually holds afterwards, and the difference.</p>` +
      barChart(
        counters.flatMap((x) => {
          const ack = x.runs.reduce((n, run) => n + (run.counter?.acknowledged ?? 0), 0);
          const fin = x.runs.reduce((n, run) => n + (run.counter?.finalValue ?? 0), 0);
          const lostUpdates = x.runs.reduce((n, run) => n + (run.counter?.lostUpdates ?? 0), 0);
          return [
            { label: `${x.name} acknowledged`, value: ack, color: PALETTE[0] },
            { label: `${x.name} final value`, value: fin, color: PALETTE[2] },
            { label: `${x.name} lost`, value: lostUpdates, color: PALETTE[3] },
          ];
        }),
        'increments',
        'Lost updates',
      )
    : '';
  const warnings = r.warnings.length ? `<h2>Warnings</h2>${r.warnings.map((w) => `<div class="warn">⚠ ${escapeHtml(w)}</div>`).join('')}` : '';
  const table = htmlTable(
    ['scenario', 'req/s median', 'min–max', 'mean ± 95 % CI', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'non-2xx', 'generator CPU'],
    s.map((x) => {
      const q = x.summary.requestsPerSecond;
      const l = x.summary.latencyMs;
      return [x.name, fmt(q.median), range(q.min, q.max), `${fmt(q.mean)} ± ${fmt(q.ci95HalfWidth)}`, ms(l.p50.median), ms(l.p95.median), ms(l.p99.median), fmt(x.summary.errors), fmt(x.summary.non2xx), percent(x.summary.generatorCpu.max)];
    }),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>statelab benchmark ${escapeHtml(r.environment.startedAt)}</title><style>${STYLE}</style></head><body>
<h1>statelab benchmark, ${escapeHtml(r.environment.startedAt)}</h1>
${htmlTable(['', ''], environmentRows(r), 'kv')}
${warnings}
${ratiosSection(r)}
<h2>Throughput (requests/s)</h2><p class="note">Bar: median over ${r.settings.runs} runs. Whisker: 95 % confidence interval of the mean (Student t). Dots: slowest and fastest run.</p>${throughput}
<h2>Latency percentiles (ms, 2xx responses, median over runs)</h2><p class="note">autocannon is closed-loop: under overload these latencies are understated (coordinated omission).</p>${latency}
<h2>Responses per replica (X-Instance-Id)</h2><p class="note">Dashed line: ${Math.round(MAX_REPLICA_SHARE * 100)} %. A scenario meant to spread that has one colour past it did not spread. “(single)”: not meant to spread (direct target or baseline).</p>${distribution}
${cpu}
${lost}
<h2>All numbers</h2>${table}
<p class="note">Raw per-run numbers: results.json. How to read this report: docs/benchmarking.md.</p>
</body></html>
`;
}
