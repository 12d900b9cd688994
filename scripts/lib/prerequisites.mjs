// Everything the native cluster needs before it can start, made true or explained: npm
// dependencies, the Prisma client and a fresh build. The system packages are system-packages.mjs's.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './topology.mjs';

/** Runs a command with inherited output (so the user sees npm/apt progress); throws on failure. */
function run(command, args, { env = process.env, what } = {}) {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit code ${result.status ?? result.signal}`;
    throw new Error(`${what ?? `${command} ${args.join(' ')}`} failed (${why})`);
  }
}

function newestMtime(path) {
  let newest = 0;
  const walk = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const entry of readdirSync(p)) {
        if (entry !== 'generated' && entry !== 'node_modules') walk(join(p, entry));
      }
    } else newest = Math.max(newest, st.mtimeMs);
  };
  if (existsSync(path)) walk(path);
  return newest;
}

/** `npm ci` when node_modules is missing (a fresh clone). */
export function ensureNodeModules(log) {
  if (existsSync(join(REPO_ROOT, 'node_modules', '.package-lock.json'))) return;
  log('installing npm dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund'], { what: 'npm ci' });
}

/**
 * Runs `npm run build` (which generates the git-ignored Prisma client, then compiles) when
 * dist/src/server.js is missing or older than any file under src/ or prisma/, and bundles the lab
 * page when public/assets/lab.js is missing or older than its sources (public/src/, the contract
 * in lab/lab-types.ts, the lockfile that pins esbuild and uPlot).
 */
export function ensureBuild(log) {
  const server = join(REPO_ROOT, 'dist', 'src', 'server.js');
  const builtAt = existsSync(server) ? statSync(server).mtimeMs : 0;
  const sourceAt = Math.max(newestMtime(join(REPO_ROOT, 'src')), newestMtime(join(REPO_ROOT, 'prisma')));
  if (builtAt < sourceAt) {
    log(builtAt ? 'sources changed since the last build: npm run build…' : 'building (npm run build)…');
    run('npm', ['run', 'build', '--silent'], { what: 'npm run build' });
  }
  const page = join(REPO_ROOT, 'public', 'assets', 'lab.js');
  const pageBuiltAt = existsSync(page) ? statSync(page).mtimeMs : 0;
  const pageSourceAt = Math.max(
    newestMtime(join(REPO_ROOT, 'public', 'src')),
    newestMtime(join(REPO_ROOT, 'lab', 'lab-types.ts')),
    newestMtime(join(REPO_ROOT, 'package-lock.json')),
  );
  if (pageBuiltAt >= pageSourceAt) return;
  log(pageBuiltAt ? 'lab page sources changed: bundling it again…' : 'bundling the lab page (npm run build:page)…');
  // A child node, not an import: esbuild is loaded only after ensureNodeModules has installed it.
  run(process.execPath, [join(REPO_ROOT, 'scripts', 'build-page.mjs')], { what: 'building the lab page' });
}
