#!/usr/bin/env node
// `npm test`: everything a fresh clone needs, then every test. Plain Node, no dependencies, so it
// runs before `npm ci` has. Extra arguments go to Jest (`npm test -- --selectProjects unit`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function step(title, command, args) {
  process.stdout.write(`\n▶ ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`\n✖ ${title} failed (${result.error?.message ?? `exit ${result.status}`})\n`);
    process.exit(result.status ?? 1);
  }
}

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  step('installing npm dependencies (npm ci)', npm, ['ci', '--no-audit', '--no-fund']);
}
step('generating the Prisma client', process.execPath, ['scripts/prisma.mjs', 'generate']);
step('type-checking (tsc --noEmit)', process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit']);
step('type-checking the lab page (tsc -p tsconfig.page.json)', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.page.json']);
const jest = ['node_modules/jest/bin/jest.js'];
const extra = process.argv.slice(2);
if (extra.length > 0) {
  step('running tests (jest ' + extra.join(' ') + ')', process.execPath, [...jest, ...extra]);
} else {
  step('unit and integration tests (jest)', process.execPath, [...jest, '--selectProjects', 'unit', 'integration']);
  // In band: the e2e files share one cluster, and the failure lessons stop and start replicas
  // that the other files would otherwise be measuring at the same moment.
  step('e2e tests through nginx (jest, in band)', process.execPath, [...jest, '--selectProjects', 'e2e', '--runInBand']);
}
