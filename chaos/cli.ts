// npm run chaos -- <scenario>|all [--clients 6] [--victim app-2] [--start-cluster]
// Runs each scenario against the native cluster, prints one line per scenario (its expectation
// held or not, with the figures) and writes chaos-results/<time>/report.{md,html,json}.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderHtml, renderMarkdown, verdictLine, type ChaosReport } from './report';
import { runScenario } from './runner';
import { SCENARIOS } from './scenarios';
import { clusterControl as control } from '../cluster/control';
import { ensureCluster, stopCluster } from '../cluster/launcher';
import { loadTopology, nginxUrl as nginxUrlOf } from '../cluster/topology';

const repoRoot = path.resolve(__dirname, '..');
const log = (m: string) => process.stderr.write(`[chaos] ${m}\n`);

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      clients: { type: 'string', default: '6' },
      victim: { type: 'string', default: 'app-2' },
      'start-cluster': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(repoRoot, 'chaos-results') },
      help: { type: 'boolean', default: false },
    },
  });
  const names = SCENARIOS.map((s) => s.name);
  const wanted = positionals[0];
  if (values.help || !wanted) {
    console.log(`usage: npm run chaos -- <${names.join('|')}|all> [--clients 6] [--victim app-2] [--start-cluster]`);
    for (const s of SCENARIOS) console.log(`  ${s.name.padEnd(16)} ${s.fault}\n  ${''.padEnd(16)} expected: ${s.expectation}`);
    return wanted || values.help ? 0 : 2;
  }
  const chosen = wanted === 'all' ? SCENARIOS : SCENARIOS.filter((s) => s.name === wanted);
  if (!chosen.length) throw new Error(`unknown scenario "${wanted}"; one of ${names.join(', ')}, all`);
  const clients = Number(values.clients);
  if (!Number.isInteger(clients) || clients < 1 || clients > 32) throw new Error('--clients must be 1..32');

  const started = values['start-cluster'] ? await ensureCluster(true, log) : false;
  try {
    const topology = loadTopology(process.env);
    const nginxUrl = nginxUrlOf(topology);
    const dir = topology.clusterDir;
    const components = await control.inspectCluster(dir);
    if (!components.some((c) => c.name === values.victim)) throw new Error(`no running cluster with ${values.victim} in ${dir}: start one (npm run cluster -- up) or pass --start-cluster`);
    const report: ChaosReport = { startedAt: new Date().toISOString(), command: `npm run chaos -- ${process.argv.slice(2).join(' ')}`, node: process.version, runs: [] };
    for (const scenario of chosen) {
      const unsupported = scenario.unsupported?.(components);
      if (unsupported) {
        // Named on its own, a scenario this cluster cannot run is an error; in `all`, a visible skip.
        if (wanted !== 'all') throw new Error(`${scenario.name} ${unsupported}`);
        console.log(`SKIPPED ${scenario.name.padEnd(16)} ${unsupported}`);
        continue;
      }
      const run = await runScenario(nginxUrl, scenario, { control, clusterDir: dir, victim: values.victim!, log }, clients, log);
      report.runs.push(run);
      console.log(verdictLine(run));
      console.log(`       expected: ${scenario.expectation}`);
      for (const reason of run.verdict.reasons) console.log(`       ✗ ${reason}`);
    }
    const out = path.join(values.out!, report.startedAt.replace(/[:.]/g, '-'));
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'report.md'), renderMarkdown(report));
    writeFileSync(path.join(out, 'report.html'), renderHtml(report));
    writeFileSync(path.join(out, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
    console.log(`report: ${path.relative(process.cwd(), out)}/report.{md,html,json}`);
    return report.runs.every((r) => r.verdict.held) ? 0 : 1;
  } finally {
    if (started) await stopCluster();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
