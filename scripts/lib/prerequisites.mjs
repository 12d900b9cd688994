// Everything the native cluster needs before it can start, made true or explained:
// npm dependencies, the Prisma client, a fresh build, and the system binaries.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findPostgresBinDir, which } from './private-services.mjs';
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

/** The system binaries the cluster uses, with the Debian package that provides each. */
export function binaryRequirements(topology) {
  const reqs = [
    { name: 'nginx', pkg: 'nginx-light', find: () => which('nginx') ?? existsOr('/usr/sbin/nginx'), required: true },
    { name: 'prometheus', pkg: 'prometheus', find: () => which('prometheus'), required: true },
    { name: 'redis-exporter', pkg: 'prometheus-redis-exporter', find: () => which('prometheus-redis-exporter'), required: false },
    { name: 'postgres-exporter', pkg: 'prometheus-postgres-exporter', find: () => which('prometheus-postgres-exporter'), required: false },
    { name: 'nginx-exporter', pkg: 'prometheus-nginx-exporter', find: () => which('prometheus-nginx-exporter'), required: false },
  ];
  if (!topology.redisUrl) reqs.push({ name: 'redis-server', pkg: 'redis-server', find: () => which('redis-server'), required: true });
  if (!topology.databaseUrl) {
    reqs.push({ name: 'postgres', pkg: 'postgresql', find: () => findPostgresBinDir(), required: true });
  }
  return reqs;
}

function existsOr(path) {
  return existsSync(path) ? path : undefined;
}

function canUseApt() {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && Boolean(which('apt-get'));
}

/**
 * Makes sure the binaries exist. Missing ones are installed with apt when we are root on
 * Debian/Ubuntu; otherwise this throws with the exact command to run. Missing exporters only
 * warn: the cluster works without them, Prometheus just has fewer targets.
 * Returns the set of component names whose binary is available.
 */
export function ensureBinaries(topology, log, warn) {
  let reqs = binaryRequirements(topology);
  let missing = reqs.filter((r) => !r.find());
  if (missing.length && canUseApt()) {
    const pkgs = missing.map((r) => r.pkg);
    log(`installing missing packages with apt: ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      run('apt-get', ['update'], { env, what: 'apt-get update' });
      run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env, what: 'apt-get install' });
    } catch (err) {
      if (missing.some((r) => r.required)) throw err;
      warn(`${err.message}; continuing without the exporters`);
    }
    reqs = binaryRequirements(topology);
    missing = reqs.filter((r) => !r.find());
  }
  const missingRequired = missing.filter((r) => r.required);
  if (missingRequired.length) {
    const pkgs = missing.map((r) => r.pkg).join(' ');
    throw new Error(
      `missing ${missingRequired.map((r) => r.name).join(', ')}. Install with:\n` +
        `    sudo apt-get update && sudo apt-get install -y ${pkgs}\n` +
        '  (or point REDIS_URL / DATABASE_URL at running servers to skip the private ones)',
    );
  }
  for (const r of missing) warn(`${r.name} not installed (apt-get install -y ${r.pkg}); Prometheus will not scrape it`);
  return new Set(reqs.filter((r) => !missing.includes(r)).map((r) => r.name));
}
