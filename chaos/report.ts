// The chaos report: markdown for reading in a terminal or a PR, HTML with a per-second timeline
// of outcomes by replica, where the fault shows as a gap, a colour change or a red bar.
import { escapeHtml, sortedReplicas, table } from '../bench/report/format';
import type { ScenarioRun } from './runner';

export interface ChaosReport {
  startedAt: string;
  command: string;
  node: string;
  runs: ScenarioRun[];
}

export function verdictLine(run: ScenarioRun): string {
  const c = run.findings.counter;
  const requests = run.findings.routes.reduce((n, r) => n + r.requests, 0);
  const failed = run.findings.routes.reduce((n, r) => n + r.failed, 0);
  const recovery = run.findings.writeRecoveryMs ? `, session writes back after ${(run.findings.writeRecoveryMs / 1000).toFixed(1)} s` : '';
  const figures = `${requests} requests, ${failed} failed, lost ${c.lost}, duplicated ${c.duplicated}, ambiguous ${c.ambiguousApplied}/${c.unacknowledged}, sessions ${run.findings.sessionsBefore}→${run.findings.sessionsAfter}${recovery}`;
  return `${run.verdict.held ? 'HELD  ' : 'BROKEN'} ${run.scenario.name.padEnd(16)} ${figures}`;
}

export function renderMarkdown(report: ChaosReport): string {
  const lines = [
    '# statelab chaos report',
    '',
    `${report.startedAt} · \`${report.command}\` · Node ${report.node}`,
    '',
    'Every request was recorded one by one. *ambiguous a/b*: of b increments that got no success answer, a were applied anyway.',
    '',
    table(
      ['scenario', 'expectation', 'held', 'requests', 'failed', 'lost', 'duplicated', 'ambiguous', 'sessions before → after'],
      report.runs.map((r) => [
        r.scenario.name,
        r.scenario.expectation,
        r.verdict.held ? 'yes' : `**no**: ${r.verdict.reasons.join('; ')}`,
        String(r.findings.routes.reduce((n, x) => n + x.requests, 0)),
        String(r.findings.routes.reduce((n, x) => n + x.failed, 0)),
        String(r.findings.counter.lost),
        String(r.findings.counter.duplicated),
        `${r.findings.counter.ambiguousApplied}/${r.findings.counter.unacknowledged}`,
        `${r.findings.sessionsBefore} → ${r.findings.sessionsAfter}`,
      ]),
    ),
  ];
  for (const r of report.runs) {
    lines.push('', `## ${r.scenario.name}`, '', `Fault: ${r.scenario.fault} (from ${r.fault.fromMs} ms to ${r.fault.toMs} ms of ${r.durationMs} ms).`, '');
    const notes = Object.entries(r.findings.notes);
    if (notes.length > 0) lines.push(`Observed: ${notes.map(([k, v]) => `${k} ${v}`).join(', ')}.`, '');
    lines.push(
      table(
        ['route', 'requests', 'failed', 'errors', 'max latency', 'slowest failure'],
        r.findings.routes.map((x) => [x.route, String(x.requests), String(x.failed), Object.entries(x.errors).map(([k, v]) => `${k} ${v}`).join(', ') || '—', `${x.maxLatencyMs} ms`, x.failed ? `${x.maxFailedLatencyMs} ms` : '—']),
      ),
    );
    if (r.findings.failures.length > 0) {
      lines.push('', 'Who failed, and how:', '', table(['route', 'answered by', 'error', 'requests'], r.findings.failures.map((g) => [g.route, g.replica, g.error, String(g.count)])));
    }
  }
  return `${lines.join('\n')}\n`;
}

// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

function timelineSvg(run: ScenarioRun): string {
  const replicas = sortedReplicas(new Set(run.timeline.flatMap((s) => Object.keys(s.ok))));
  const max = Math.max(1, ...run.timeline.map((s) => Object.values(s.ok).reduce((a, b) => a + b, 0) + s.failed));
  const barW = 28;
  const h = 160;
  const width = Math.max(1, run.timeline.length) * barW + 60;
  const bars = run.timeline.map((s, i) => {
    let y = h;
    const rects: string[] = [];
    const stack = [...replicas.map((r, j) => ({ label: r, n: s.ok[r] ?? 0, colour: COLOURS[j % COLOURS.length]! })), { label: 'failed', n: s.failed, colour: '#D00000' }];
    for (const part of stack) {
      if (!part.n) continue;
      const hh = (part.n / max) * (h - 10);
      y -= hh;
      rects.push(`<rect x="${40 + i * barW}" y="${y.toFixed(1)}" width="${barW - 4}" height="${hh.toFixed(1)}" fill="${part.colour}"><title>${s.second} s: ${escapeHtml(part.label)} ${part.n}</title></rect>`);
    }
    return rects.join('');
  });
  const fx = 40 + (run.fault.fromMs / 1000) * barW;
  const fw = Math.max(2, ((run.fault.toMs - run.fault.fromMs) / 1000) * barW);
  const legend = [...replicas.map((r, j) => [r, COLOURS[j % COLOURS.length]!]), ['failed', '#D00000']]
    .map(([label, colour], i) => `<rect x="${40 + i * 90}" y="${h + 24}" width="12" height="12" fill="${colour}"/><text x="${56 + i * 90}" y="${h + 34}" font-size="12">${escapeHtml(label!)}</text>`)
    .join('');
  return `<svg role="img" aria-label="requests per second by replica, ${escapeHtml(run.scenario.name)}" width="${width}" height="${h + 44}" xmlns="http://www.w3.org/2000/svg">
<rect x="${fx}" y="0" width="${fw}" height="${h}" fill="#eee"><title>fault</title></rect><text x="${fx + 2}" y="12" font-size="11">fault</text>
${bars.join('\n')}
<text x="0" y="${h}" font-size="11">0</text><text x="0" y="12" font-size="11">${max}/s</text>
${legend}</svg>`;
}

export function renderHtml(report: ChaosReport): string {
  const sections = report.runs
    .map(
      (r) => `<section><h2>${escapeHtml(r.scenario.name)} — ${r.verdict.held ? 'held' : '<strong>broken</strong>'}</h2>
<p>${escapeHtml(r.scenario.fault)}. <em>Expected:</em> ${escapeHtml(r.scenario.expectation)}.</p>
${r.verdict.held ? '' : `<p class="broken">${r.verdict.reasons.map(escapeHtml).join('<br>')}</p>`}
<pre>${escapeHtml(verdictLine(r))}</pre>
${timelineSvg(r)}</section>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>statelab chaos report</title>
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.5rem}.broken{color:#a00000}</style>
<h1>statelab chaos report</h1><p>${escapeHtml(report.startedAt)} · <code>${escapeHtml(report.command)}</code> · Node ${escapeHtml(report.node)}</p>
${sections}</html>\n`;
}
