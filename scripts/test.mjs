#!/usr/bin/env node
// `npm test`: prepares the machine, then runs every test. Plain Node, no npm dependencies, so it
// runs before `npm ci` has. Extra arguments go to Jest (`npm test -- --selectProjects unit`).
//   1. the system packages the tests use (scripts/lib/system-packages.json), with the installer
//      `npm run demo` uses: installed with apt as root on Debian/Ubuntu, otherwise the one
//      apt-get command is printed and nothing runs;
//   2. npm dependencies, the Prisma client, the pinned kubectl, both type-checks;
//   3. Jest, then a summary: what was installed, every skipped test, the counts, the time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureSystemPackages, packagesFor } from './lib/system-packages.mjs';

const root = path.resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const startedAt = Date.now();
const extra = process.argv.slice(2);
const summaryDir = mkdtempSync(path.join(tmpdir(), 'statelab-test-'));
const summaryFile = path.join(summaryDir, 'jest-runs.jsonl');
let installed = [];

const minutes = (ms) => `${Math.floor(ms / 60_000)} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;

function printSummary() {
  const runs = existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
  rmSync(summaryDir, { recursive: true, force: true });
  const total = (key) => runs.reduce((sum, run) => sum + run[key], 0);
  const skipped = runs.flatMap((run) => run.skippedTests);
  const lines = [
    '',
    '── npm test summary ──',
    `system packages installed by this run: ${installed.length ? installed.map((p) => p.package).join(', ') : 'none (all were present)'}`,
    skipped.length ? `skipped tests (${skipped.length}):\n${skipped.map((s) => `  - ${s}`).join('\n')}` : 'skipped tests: none',
  ];
  if (total('suitesFailedToRun') > 0) lines.push(`test files that failed to run: ${total('suitesFailedToRun')}`);
  lines.push(`took ${minutes(Date.now() - startedAt)}`);
  // The plain closing line CI logs are read for.
  lines.push(`tests: ${total('passed')} passed, ${total('failed')} failed, ${skipped.length} skipped`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return { skipped };
}

function fail(message, code = 1) {
  process.stderr.write(`\n✖ ${message}\n`);
  printSummary();
  process.exit(code);
}

function step(title, command, args, env = process.env) {
  process.stdout.write(`\n▶ ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) fail(`${title} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`, result.status ?? 1);
}

process.stdout.write('\n▶ system packages the tests use (scripts/lib/system-packages.json)\n');
try {
  const say = (line) => process.stdout.write(`  ${line}\n`);
  ({ installed } = ensureSystemPackages('test', { log: say, warn: say }));
  const names = (list) => list.map((p) => p.package).join(', ');
  process.stdout.write(installed.length ? `  installed: ${names(installed)}\n` : `  all present: ${names(packagesFor('test'))}\n`);
} catch (err) {
  // Before anything else ran: nothing is half done, and the command to run is the last thing shown.
  process.stderr.write(`\n✖ npm test cannot run yet: ${err.message}\n`);
  process.exit(1);
}

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  step('installing npm dependencies (npm ci)', npm, ['ci', '--no-audit', '--no-fund']);
}
step('generating the Prisma client', process.execPath, ['scripts/prisma.mjs', 'generate']);
step('the pinned kubectl for the Kubernetes checks (scripts/kubectl.mjs)', process.execPath, ['scripts/kubectl.mjs', 'version', '--client']);
step('type-checking (tsc --noEmit)', process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit']);
step('type-checking the lab page (tsc -p tsconfig.page.json)', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.page.json']);
const jest = ['node_modules/jest/bin/jest.js'];
const jestEnv = { ...process.env, STATELAB_TEST_SUMMARY: summaryFile };
if (extra.length > 0) {
  step('running tests (jest ' + extra.join(' ') + ')', process.execPath, [...jest, ...extra], jestEnv);
  printSummary();
} else {
  step('unit and integration tests (jest)', process.execPath, [...jest, '--selectProjects', 'unit', 'integration'], jestEnv);
  // In band: the e2e files share one cluster, and the failure lessons stop and start replicas
  // that the other files would otherwise be measuring at the same moment.
  step('e2e tests through nginx (jest, in band)', process.execPath, [...jest, '--selectProjects', 'e2e', '--runInBand'], jestEnv);
  // A full run skips nothing: every tool a test needs was installed above, so a skip is a bug.
  // (With arguments, Jest's own filters -t / a path mark the rest as skipped, which is fine.)
  const { skipped } = printSummary();
  if (skipped.length > 0) {
    process.stderr.write(`\n✖ ${skipped.length} test(s) skipped in a full run; a test that needs a tool must fail without it, not skip\n`);
    process.exit(1);
  }
}
