#!/usr/bin/env node
// `npm run kubectl -- <args>`: the pinned kubectl (scripts/lib/kubectl.mjs), e.g.
// `npm run kubectl -- kustomize k8s/overlays/local`, on a machine that has no kubectl of its own.
import { spawnSync } from 'node:child_process';
import { kubectlBinary } from './lib/kubectl.mjs';

let binary;
try {
  binary = await kubectlBinary();
} catch (err) {
  console.error(`kubectl: ${err.message}`);
  process.exit(2);
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: 'inherit' });
if (result.error) console.error(`kubectl: ${result.error.message}`);
process.exit(result.status ?? 2);
