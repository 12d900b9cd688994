#!/usr/bin/env node
// The guided labs from a terminal: the same checks the lab page runs, through the same API.
//   npm run lab -- list          every worksheet and its steps
//   npm run lab -- check <n>     run lab n's checks; exit 0 when every step passes, 1 when not
// Talks to the running cluster's nginx (/lab/api/), found from $CLUSTER_DIR (default .cluster).
// A check only reads what the lab has recorded; it never changes the cluster.
import { loadTopology } from './lib/topology.mjs';
import { readState } from './lib/cluster-state.mjs';

const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (useColour ? `\x1b[${code}m${text}\x1b[0m` : text);
const PASS = paint(32, 'PASS');
const FAIL = paint(31, 'FAIL');

function baseUrl() {
  const topology = loadTopology();
  const state = readState(topology.clusterDir);
  if (!state) throw new Error(`no cluster is running here (no state in ${topology.clusterDir}); start one with: npm run demo`);
  return `http://127.0.0.1:${state.topology.nginxPort}/lab/api`;
}

async function get(path) {
  const url = `${baseUrl()}${path}`;
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new Error(`${url} did not answer (${err.cause?.code ?? err.message}); is the cluster up? npm run cluster -- status`);
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${url}: ${res.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim());
  return body;
}

async function list() {
  const { worksheets } = await get('/labs');
  for (const w of worksheets) {
    console.log(`${String(w.id).padStart(2)}. ${w.title}   (panel: ${w.panel}; ${w.doc})`);
    w.steps.forEach((s, i) => console.log(`      ${i + 1}. ${s.title}`));
  }
  console.log('\nRun a check: npm run lab -- check <n>');
  return 0;
}

async function check(id) {
  if (!/^\d+$/.test(id ?? '')) throw new Error('usage: npm run lab -- check <n>   (see npm run lab -- list)');
  const report = await get(`/labs/${id}/check`);
  console.log(`Lab ${report.lab}: ${report.title}`);
  for (const step of report.steps) {
    console.log(`  ${step.passed ? PASS : FAIL}  ${step.title}`);
    for (const p of step.parts) console.log(`          ${p.passed ? '✓' : '✗'} ${p.name}: ${p.detail}`);
  }
  console.log(report.passed ? `\nLab ${report.lab} passed.` : `\nLab ${report.lab} not yet: see the ✗ lines above.`);
  return report.passed ? 0 : 1;
}

async function main([command, arg]) {
  if (command === 'list') return list();
  if (command === 'check') return check(arg);
  console.log('usage: npm run lab -- list | check <n>');
  return command ? 2 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[lab] ${err.message}`);
    process.exit(2);
  },
);
