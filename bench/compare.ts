// Compares two results.json files scenario by scenario with Welch's t-test over the runs, and
// says "no significant difference" whenever the runs do not support a claim.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fmt, table } from './report/format';
import { parseResults, type Results, type RunResult } from './results-schema';
import { mean, welchTTest } from './stats';

export interface MetricChange {
  a: number;
  b: number;
  /** (mean B − mean A) / mean A. */
  change: number;
  pValue: number;
  verdict: string;
}

export interface ScenarioComparison {
  scenario: string;
  runsA: number;
  runsB: number;
  requestsPerSecond: MetricChange;
  p99Ms: MetricChange;
}

export interface Comparison {
  rows: ScenarioComparison[];
  onlyInA: string[];
  onlyInB: string[];
  /** Differences between the environments that make a comparison suspect. */
  caveats: string[];
}

export function loadResults(fileOrDir: string): Results {
  const file = existsSync(fileOrDir) && statSync(fileOrDir).isDirectory() ? path.join(fileOrDir, 'results.json') : fileOrDir;
  return parseResults(JSON.parse(readFileSync(file, 'utf8')));
}

function metricChange(a: number[], b: number[], higherIsBetter: boolean, alpha: number): MetricChange {
  const test = welchTTest(a, b, alpha);
  const ma = mean(a);
  const mb = mean(b);
  const change = ma === 0 ? Number.NaN : (mb - ma) / ma;
  let verdict: string;
  if (a.length < 2 || b.length < 2) verdict = 'cannot tell (needs ≥ 2 runs on each side)';
  else if (!test.significant) verdict = 'no significant difference';
  else verdict = (mb > ma) === higherIsBetter ? 'significantly better' : 'significantly worse';
  return { a: ma, b: mb, change, pValue: test.pValue, verdict };
}

const p99Of = (runs: RunResult[]): number[] =>
  runs.map((r) => r.latencyMs.p99).filter((v): v is number => v !== null && Number.isFinite(v));

export function compareResults(a: Results, b: Results, alpha = 0.05): Comparison {
  const bByName = new Map(b.scenarios.map((s) => [s.name, s]));
  const rows: ScenarioComparison[] = [];
  for (const sa of a.scenarios) {
    const sb = bByName.get(sa.name);
    if (!sb) continue;
    rows.push({
      scenario: sa.name,
      runsA: sa.runs.length,
      runsB: sb.runs.length,
      requestsPerSecond: metricChange(sa.runs.map((r) => r.requestsPerSecond), sb.runs.map((r) => r.requestsPerSecond), true, alpha),
      p99Ms: metricChange(p99Of(sa.runs), p99Of(sb.runs), false, alpha),
    });
  }
  const caveats: string[] = [];
  const ea = a.environment;
  const eb = b.environment;
  if (ea.cpuModel !== eb.cpuModel || ea.cpuCount !== eb.cpuCount) caveats.push(`different CPUs: ${ea.cpuModel} × ${ea.cpuCount} vs ${eb.cpuModel} × ${eb.cpuCount}`);
  if (ea.node !== eb.node) caveats.push(`different Node versions: ${ea.node} vs ${eb.node}`);
  if (a.settings.targetKind !== b.settings.targetKind || a.settings.clients !== b.settings.clients) {
    caveats.push(`different targets or clients: ${a.settings.targetKind}/${a.settings.clients} vs ${b.settings.targetKind}/${b.settings.clients}`);
  }
  return {
    rows,
    onlyInA: a.scenarios.filter((s) => !bByName.has(s.name)).map((s) => s.name),
    onlyInB: b.scenarios.filter((s) => !a.scenarios.some((x) => x.name === s.name)).map((s) => s.name),
    caveats,
  };
}

const signed = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %` : '–');
const pText = (p: number): string => (p < 0.001 ? '< 0.001' : p.toFixed(3));

export function formatComparison(c: Comparison, labelA: string, labelB: string): string {
  const out: string[] = [`A = ${labelA}`, `B = ${labelB}`, ''];
  out.push(
    table(
      ['scenario', 'runs A/B', 'req/s A', 'req/s B', 'change', 'p', 'throughput', 'p99 ms A', 'p99 ms B', 'change', 'p', 'p99 latency'],
      c.rows.map((r) => [
        r.scenario,
        `${r.runsA}/${r.runsB}`,
        fmt(r.requestsPerSecond.a),
        fmt(r.requestsPerSecond.b),
        signed(r.requestsPerSecond.change),
        pText(r.requestsPerSecond.pValue),
        r.requestsPerSecond.verdict,
        fmt(r.p99Ms.a, 1),
        fmt(r.p99Ms.b, 1),
        signed(r.p99Ms.change),
        pText(r.p99Ms.pValue),
        r.p99Ms.verdict,
      ]),
    ),
  );
  out.push('', "Means over runs; Welch's t-test, two-sided, α = 0.05. With 3 runs only large, consistent changes reach significance.");
  if (c.onlyInA.length) out.push(`only in A: ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length) out.push(`only in B: ${c.onlyInB.join(', ')}`);
  for (const caveat of c.caveats) out.push(`⚠ ${caveat}`);
  return `${out.join('\n')}\n`;
}
