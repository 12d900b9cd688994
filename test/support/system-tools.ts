// The system commands tests run, found the way the shared installer finds them
// (scripts/lib/system-packages.mjs). A test that needs one never skips: `npm test` has installed
// every package on the list before the first test (or stopped with the apt-get command), so a
// command still missing is a failure, and the error says which package provides it.
import { statSync } from 'node:fs';
import path from 'node:path';
import systemPackages from '../../scripts/lib/system-packages.json';

function onDisk(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `command` (PATH, then /usr/sbin, /usr/bin); throws with its package when missing. */
export function requireCommand(command: string): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/bin'];
  const found = dirs.map((dir) => path.join(dir, command)).find(onDisk);
  if (found) return found;
  const entry = systemPackages.packages.find((p) => p.commands.includes(command));
  const pkg = entry?.package ?? command;
  throw new Error(
    `${command} is not installed (Debian package ${pkg}${entry ? `: ${entry.why}` : ''}). ` +
      `npm test installs it when run as root; otherwise: sudo apt-get install -y --no-install-recommends ${pkg}`,
  );
}
