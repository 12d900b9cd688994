// The one installer of system packages. `npm run demo` (scripts/cluster.mjs), `npm test`
// (scripts/test.mjs) and `npm run lab:screenshot` each ask for their purpose; the list, with
// what needs each package, is system-packages.json. Missing packages are installed with apt when
// we are root on Debian/Ubuntu; otherwise this throws with the one command to run. Plain ESM, no
// npm dependencies: `npm test` calls it before `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPostgresBinDir, which } from './private-services.mjs';

const LIST = JSON.parse(readFileSync(new URL('./system-packages.json', import.meta.url), 'utf8')).packages;

/** Where `command` is: PATH, then /usr/sbin and /usr/bin (not on a non-root PATH everywhere). */
export function findCommand(command) {
  if (command === 'postgres') return findPostgresBinDir();
  return which(command) ?? ['/usr/sbin', '/usr/bin'].map((dir) => join(dir, command)).find((file) => existsSync(file));
}

/**
 * Absolute path of `command`, for a caller that cannot do without it (a test, the screenshot):
 * missing, it throws naming the Debian package that provides it and why the project needs it.
 * A test that needs a command never skips: `npm test` installed every package on the list first.
 */
export function requireCommand(command) {
  const found = findCommand(command);
  if (found) return found;
  const entry = LIST.find((p) => p.commands.includes(command));
  const pkg = entry?.package ?? command;
  throw new Error(
    `${command} is not installed (Debian package ${pkg}${entry ? `: ${entry.why}` : ''}). ` +
      `npm test installs it when run as root; otherwise: ${installCommand([pkg])}`,
  );
}

/** The packages `purpose` needs, each with its `level` (required | optional). */
export function packagesFor(purpose, env = process.env) {
  return LIST.filter((p) => p.needs[purpose] && !(p.unlessEnv?.[purpose] && env[p.unlessEnv[purpose]])).map((p) => ({
    ...p,
    level: p.needs[purpose],
  }));
}

const isInstalled = (p) => p.commands.every((command) => findCommand(command));

/** The exact command a user runs when we cannot install for them. */
export function installCommand(packages) {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

function canUseApt() {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && Boolean(which('apt-get'));
}

function apt(args) {
  // Waits for another apt (an unattended upgrade, another shell) instead of failing at once.
  const result = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(`apt-get ${args.join(' ')} failed (${result.error?.message ?? `exit code ${result.status ?? result.signal}`})`);
  }
}

/**
 * Makes sure `purpose`'s packages are installed. Missing required ones are installed (root on
 * Debian/Ubuntu) or reported with the command to run (thrown); missing optional ones only warn.
 * `hint` is one more line for the error (how else the user can get there).
 * Returns the names now available and the packages this call installed.
 */
export function ensureSystemPackages(purpose, { log, warn, env = process.env, hint }) {
  const wanted = packagesFor(purpose, env);
  let missing = wanted.filter((p) => !isInstalled(p));
  const installed = [];
  const attempted = missing.length > 0 && canUseApt();
  if (attempted) {
    log(`installing with apt: ${missing.map((p) => p.package).join(' ')}`);
    for (const p of missing) log(`  ${p.package}: ${p.why}`);
    try {
      apt(['update', '-q']);
      apt(['install', '-y', '-q', '--no-install-recommends', ...missing.map((p) => p.package)]);
    } catch (err) {
      if (missing.some((p) => p.level === 'required')) throw err;
      warn(`${err.message}; continuing without ${missing.map((p) => p.name).join(', ')}`);
    }
    const still = missing.filter((p) => !isInstalled(p));
    installed.push(...missing.filter((p) => !still.includes(p)));
    missing = still;
  }
  const missingRequired = missing.filter((p) => p.level === 'required');
  if (missingRequired.length) {
    const lines = missingRequired.map((p) => `  ${p.package} (${p.commands.join(', ')}): ${p.why}`);
    const head = attempted
      ? `apt-get install ran, but these are still missing:`
      : `missing system packages:`;
    throw new Error(
      `${head}\n${lines.join('\n')}\nInstall them with:\n    ${installCommand(missing.map((p) => p.package))}${hint ? `\n  ${hint}` : ''}`,
    );
  }
  for (const p of missing) warn(`${p.name} not installed (${installCommand([p.package])}): ${p.why}`);
  return { available: new Set(wanted.filter((p) => !missing.includes(p)).map((p) => p.name)), installed };
}
