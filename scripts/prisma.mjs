#!/usr/bin/env node
// Runs the Prisma CLI with a schema engine that works offline: `node scripts/prisma.mjs <args>`
// takes the same arguments as `npx prisma <args>`. Why and how: docs/prisma-offline.md.
//
// Engine choice, first match wins:
//   1. PRISMA_SCHEMA_ENGINE_BINARY already set: respected as is.
//   2. A native schema-engine of the exact version this prisma expects is already on disk
//      (node_modules/@prisma/engines or Prisma's download cache): used, named explicitly so the
//      CLI never tries to download one.
//   3. Otherwise the WASM bridge in scripts/prisma-engine/.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants, homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js');
const wasmBridge = join(dirname(fileURLToPath(import.meta.url)), 'prisma-engine', 'wasm-schema-engine.mjs');

const listDir = (dir) => {
  try {
    return readdirSync(dir).map((name) => join(dir, name));
  } catch {
    return [];
  }
};

// Where fetch-engine keeps downloads (cli.js `pD`): %APPDATA%/Prisma, else XDG cache or ~/.cache.
function prismaCacheDir() {
  if (process.platform === 'win32' && process.env.APPDATA) return join(process.env.APPDATA, 'Prisma');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'prisma');
}

function reportsVersion(binary, expectedHash) {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }).includes(expectedHash);
  } catch {
    return false;
  }
}

function findNativeEngine() {
  // Resolved through prisma's own dependency tree so we look where this prisma looks.
  const enginesDir = dirname(createRequire(prismaCli).resolve('@prisma/engines/package.json'));
  const { enginesVersion } = createRequire(join(enginesDir, 'package.json'))('@prisma/engines-version');
  const exe = process.platform === 'win32' ? '.exe' : '';
  const candidates = [
    // Installed copies are named schema-engine-<binaryTarget>.
    ...listDir(enginesDir).filter((path) => /[\\/]schema-engine-[^\\/]+$/.test(path) && !/\.(gz|sha256)$/.test(path)),
    // Cached downloads live in master/<engines hash>/<binaryTarget>/schema-engine.
    ...listDir(join(prismaCacheDir(), 'master', enginesVersion)).map((dir) => join(dir, `schema-engine${exe}`)),
  ];
  // A binary for another platform or an older prisma fails this check and is skipped.
  return candidates.find((binary) => reportsVersion(binary, enginesVersion));
}

function chooseEngine() {
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
    return { path: process.env.PRISMA_SCHEMA_ENGINE_BINARY, note: `the schema engine from PRISMA_SCHEMA_ENGINE_BINARY (${process.env.PRISMA_SCHEMA_ENGINE_BINARY})` };
  }
  const native = findNativeEngine();
  if (native) return { path: native, note: `the native schema engine (${native})` };
  return { path: wasmBridge, note: 'the WASM schema engine (native engine not available offline)' };
}

const engine = chooseEngine();
process.stderr.write(`prisma: using ${engine.note}\n`);

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: engine.path };
// The CLI executes the bridge directly, so its `#!/usr/bin/env node` must find this same node.
if (engine.path === wasmBridge) env.PATH = [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter);

const child = spawn(process.execPath, [prismaCli, ...process.argv.slice(2)], { stdio: 'inherit', env });
// Outlive the CLI so that its exit code becomes ours: Ctrl-C already reaches it through the
// terminal's process group, and a supervisor's SIGTERM (the service shutting down) is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', (error) => {
  process.stderr.write(`prisma: could not start the Prisma CLI: ${error.message}\n`);
  process.exit(1);
});
// Shell convention for a child killed by a signal: 128 + signal number.
child.on('exit', (code, signal) => process.exit(signal ? 128 + constants.signals[signal] : code));
