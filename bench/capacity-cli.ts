// `npm run capacity -- <results dir or results.json> [--ops ops.json] [--students N,…] [--per-student R] [--rps R,…]`
// Prints the capacity tables of docs/scaling.md, computed from a bench run and an ops measurement.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SETTINGS, maxReplicasByConnections, measuredTable, opsSchema, planTable, scenarioCapacities, type OpsMeasurement } from './capacity';
import { parseResults } from './results-schema';

const USAGE = `usage: npm run capacity -- <results dir | results.json> [options]

  --ops FILE            Redis/PostgreSQL operations per request (npm run bench:ops); default: ops.json next to results.json
  --students N[,N…]     class sizes to plan for (default 30,100,300)
  --per-student R       requests/s one student sends on average during a lab (default 2)
  --rps R[,R…]          extra loads in requests/s (default 1000,5000)
  --scenarios A[,B…]    scenarios to plan for (default stateless-info,stateful-session-read,stateful-session-write)`;

const list = (text: string): number[] => text.split(',').map(Number).filter((n) => Number.isFinite(n) && n > 0);

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      ops: { type: 'string' },
      students: { type: 'string', default: '30,100,300' },
      'per-student': { type: 'string', default: '2' },
      rps: { type: 'string', default: '1000,5000' },
      scenarios: { type: 'string', default: 'stateless-info,stateful-session-read,stateful-session-write' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const input = path.resolve(positionals[0]!);
  const resultsFile = statSync(input).isDirectory() ? path.join(input, 'results.json') : input;
  const results = parseResults(JSON.parse(readFileSync(resultsFile, 'utf8')));
  const opsFile = values.ops ?? path.join(path.dirname(resultsFile), 'ops.json');
  let ops: OpsMeasurement | undefined;
  if (existsSync(opsFile)) ops = opsSchema.parse(JSON.parse(readFileSync(opsFile, 'utf8')));
  else process.stderr.write(`capacity: no ${opsFile}; Redis and PostgreSQL columns stay empty (run npm run bench:ops)\n`);

  const perStudent = Number(values['per-student']);
  const loads = [
    ...list(values.students!).map((n) => ({ label: `${n} students × ${perStudent} req/s`, rps: n * perStudent })),
    ...list(values.rps!).map((rps) => ({ label: `${rps} req/s`, rps })),
  ];
  const capacities = scenarioCapacities(results, ops);
  const env = results.environment;
  const out = [
    `Bench: ${env.startedAt} · ${env.cpuModel} × ${env.cpuCount} · Node ${env.node} · load average at start ${env.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
    `Command: ${env.commandLine} · commit ${env.gitCommit.slice(0, 12)}${env.gitDirty ? ' (dirty)' : ''} · runs ${results.settings.runs}`,
    ops ? `Ops: ${ops.measuredAt} · ${ops.requestsPerScenario} requests per scenario · Redis ceiling ${Math.round(ops.redisCeiling.commandsPerSecond)} cmds/s (${ops.redisCeiling.command})` : 'Ops: not measured',
    '',
    measuredTable(capacities),
    '',
    `PostgreSQL connections allow at most ${maxReplicasByConnections()} replicas (max_connections ${DEFAULT_SETTINGS.postgresMaxConnections} − ${DEFAULT_SETTINGS.postgresReserved} reserved, ${DEFAULT_SETTINGS.poolPerReplica} per replica).`,
  ];
  for (const name of values.scenarios!.split(',')) {
    const capacity = capacities.find((c) => c.name === name);
    if (!capacity) {
      process.stderr.write(`capacity: scenario ${name} is not in ${resultsFile}\n`);
      process.exit(1);
    }
    out.push('', planTable(capacity, loads, ops));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
