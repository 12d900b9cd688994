#!/usr/bin/env node
// Renders nginx and Prometheus configuration for one mode into a directory:
//   node scripts/render-config.mjs <native|compose|swarm> <outdir> [--nginx FILE] [--prometheus FILE]
// writes <outdir>/nginx.conf and <outdir>/prometheus.yml (or the files named by the flags).
// compose and swarm output depends only on REPLICAS, so it can be committed and diffed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTopology } from './lib/topology.mjs';
import { MODES, renderNginx, renderPrometheus } from './lib/render-config.mjs';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { nginx: { type: 'string' }, prometheus: { type: 'string' } },
});
const [mode, outdir] = positionals;
if (!MODES.includes(mode) || !outdir) {
  console.error(`usage: node scripts/render-config.mjs <${MODES.join('|')}> <outdir> [--nginx FILE] [--prometheus FILE]`);
  process.exit(2);
}
try {
  const env = mode === 'native' ? process.env : { REPLICAS: process.env.REPLICAS };
  const topology = loadTopology(env);
  const targets = [
    [values.nginx ?? resolve(outdir, 'nginx.conf'), renderNginx(topology, mode)],
    [values.prometheus ?? resolve(outdir, 'prometheus.yml'), renderPrometheus(topology, mode)],
  ];
  for (const [file, text] of targets) {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
} catch (err) {
  console.error(`render-config: ${err.message}`);
  process.exit(1);
}
