// Command-line options of `npm run bench`, parsed with node:util (no dependency).
import { parseArgs } from 'node:util';
import { findScenario, SCENARIOS, type Scenario } from './scenarios';

export interface BenchArgs {
  /** Explicit base URL (`--target`), or undefined for nginx / `--direct` from the topology. */
  target: string | undefined;
  direct: boolean;
  pin: boolean;
  startCluster: boolean;
  /** `--running-cluster`: use the cluster that runs as it is; never start or stop one. */
  runningCluster: boolean;
  /** `--progress-json`: progress as JSON lines on stderr (bench/progress-json.ts). */
  progressJson: boolean;
  runs: number;
  clients: number;
  scenarios: Scenario[];
  durationSeconds: number | undefined;
  warmupSeconds: number | undefined;
  connections: number | undefined;
  out: string | undefined;
  list: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

  --start-cluster        insist on a whole native cluster: an error if it is partly running. Without
                         it a cluster that is not running at all is started too (and stopped after);
                         a partly running one only gets a warning
  --running-cluster      use the cluster that runs, as it is: an error when none runs; never start or
                         stop one (the lab page runs the bench this way)
  --target URL           benchmark this base URL instead of nginx (default http://127.0.0.1:$NGINX_PORT)
  --direct               benchmark one replica directly (app-1, http://127.0.0.1:$APP_BASE_PORT)
  --pin                  give the load generator its own core (the last) and every server the others
                         (taskset; recorded in the environment stamp) — for machines with few cores
  --runs N               repetitions of every scenario (default 3)
  --clients N            simulated client addresses 127.0.x.1 for ip_hash (default 16, max 254)
  --scenario NAME[,…]    only these scenarios (repeatable); --list shows them
  --duration S           override every scenario's measured duration (seconds)
  --warmup S             override every scenario's discarded warm-up (seconds)
  --connections N        override every scenario's connection count
  --out DIR              output directory (default bench/results/<timestamp>)
  --progress-json        progress as one JSON line per tick on stderr instead of the progress line
                         (scenario, phase, run k of n, elapsed/duration, responses per replica)
  --list                 list the scenarios and their pinned parameters
  -h, --help             this text

Reading the results: docs/benchmarking.md`;

function positiveNumber(name: string, raw: string | undefined, integer: boolean, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${raw}"`);
  }
  return value;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'start-cluster': { type: 'boolean', default: false },
      'running-cluster': { type: 'boolean', default: false },
      'progress-json': { type: 'boolean', default: false },
      target: { type: 'string' },
      direct: { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      runs: { type: 'string' },
      clients: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      out: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.target !== undefined && values.direct) throw new Error('--target and --direct exclude each other');
  if (values['start-cluster'] && values['running-cluster']) throw new Error('--start-cluster and --running-cluster exclude each other');
  if (values.target !== undefined) new URL(values.target);
  const names = (values.scenario ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const scenarios = names.length
    ? names.map((name) => {
        const found = findScenario(name);
        if (!found) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
        return found;
      })
    : [...SCENARIOS];
  return {
    target: values.target?.replace(/\/+$/, ''),
    direct: values.direct,
    pin: values.pin,
    startCluster: values['start-cluster'],
    runningCluster: values['running-cluster'],
    progressJson: values['progress-json'],
    runs: positiveNumber('runs', values.runs, true) ?? 3,
    clients: positiveNumber('clients', values.clients, true) ?? 16,
    scenarios,
    durationSeconds: positiveNumber('duration', values.duration, false, 0.1),
    warmupSeconds: positiveNumber('warmup', values.warmup, false, 0),
    connections: positiveNumber('connections', values.connections, true),
    out: values.out,
    list: values.list,
    help: values.help,
  };
}
