// `npm run bench:ops -- [--requests N] [--out FILE]`: Redis commands and PostgreSQL transactions
// per request for every bench scenario, measured against a running native cluster with its own
// private Redis and PostgreSQL (ports from scripts/lib/topology.mjs, like the bench), plus the
// single-thread Redis ceiling from redis-benchmark. Feeds `npm run capacity` (docs/scaling.md).
//
// How: requests are sent one at a time through nginx; Redis counts commands per command name
// (INFO commandstats, exact, admin commands such as INFO and PING excluded); PostgreSQL counts
// committed transactions (pg_stat_database, one per autocommitted Prisma query), which backends
// report at most every 10 s when idle — so each reading waits for that, and the rate of
// transactions with no requests at all (the exporter's queries) is measured first and subtracted.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { OpsMeasurement } from './capacity';
import { createSessions, makeClients } from './clients';
import { SCENARIOS } from './scenarios';
import { requireClusterState, serviceUrls } from '../cluster/state';
import { loadTopology, nginxUrl } from '../cluster/topology';

const ADMIN_COMMANDS = new Set(['info', 'ping', 'config', 'client', 'slowlog', 'latency', 'memory', 'select', 'dbsize', 'cluster', 'command', 'hello', 'auth', 'scan', 'type', 'strlen', 'xinfo', 'pubsub']);
/** PostgreSQL reports an idle backend's counters at most this late (PGSTAT_IDLE_INTERVAL, 10 s). */
const STATS_SETTLE_MS = 11_000;

async function redisCommandCounts(redis: Redis): Promise<Map<string, number>> {
  const text = await redis.info('commandstats');
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    // Redis 7 names subcommands `config|get`, `client|setname`, …: judge them by the command.
    if (!ADMIN_COMMANDS.has(match[1]!.split('|')[0]!)) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

async function postgresTransactions(pg: Client): Promise<number> {
  await pg.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await pg.query<{ n: string }>("SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = 'statelab'");
  // This very query is one more transaction of our own connection; it is counted in every reading alike.
  return Number(rows[0]?.n ?? 0);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function diff(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, n] of after) if (n - (before.get(name) ?? 0) > 0) out.set(name, n - (before.get(name) ?? 0));
  return out;
}

/**
 * redis-benchmark takes a password only as `-a`, which `ps` shows every local user. So it gets a
 * Redis user of its own with a one-time password, allowed GET, SET and PING on its own `key:*`
 * keys and nothing else (no session, no CONFIG GET requirepass), deleted as soon as it is done.
 */
async function redisCeiling(redis: Redis, port: number): Promise<OpsMeasurement['redisCeiling']> {
  const user = `bench-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(24).toString('hex');
  await redis.call('ACL', 'SETUSER', user, 'on', `>${password}`, 'resetkeys', '~key:*', 'resetchannels', '-@all', '+get', '+set', '+ping');
  let out: string;
  try {
    // GET and SET with 50 clients, no pipelining: one command per round trip, like the app.
    out = execFileSync('redis-benchmark', ['-p', String(port), '--user', user, '-a', password, '-t', 'get,set', '-n', '100000', '-c', '50', '-q', '--csv'], { encoding: 'utf8' });
  } finally {
    await redis.call('ACL', 'DELUSER', user);
  }
  const rates = [...out.matchAll(/^"(GET|SET)","([\d.]+)"/gm)].map((m) => Number(m[2]));
  if (rates.length === 0) throw new Error(`could not read redis-benchmark output:\n${out}`);
  return { commandsPerSecond: Math.min(...rates), command: 'redis-benchmark -t get,set -n 100000 -c 50 (the slower of the two)' };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' }, out: { type: 'string', default: 'bench/results/ops.json' } } });
  const count = Number(values.requests);
  if (!Number.isInteger(count) || count < 10) throw new Error('--requests must be an integer >= 10');
  const topo = loadTopology(process.env);
  const base = nginxUrl(topo);
  // The private Redis and PostgreSQL want the passwords the launcher generated (state.json).
  const urls = serviceUrls(requireClusterState(topo.clusterDir));
  const redis = new Redis(urls.redis, { lazyConnect: true });
  await redis.connect();
  const pg = new Client({ connectionString: urls.database });
  await pg.connect();
  // One client holding both sessions, each in its own cookie jar.
  const [client] = makeClients(1, base);
  try {
    await createSessions('stateful', [client!]);
    await createSessions('local', [client!]);

    // The idle baseline (exporter scrapes, our own readings): transactions per ms with no requests,
    // over two settle windows, subtracted from each scenario's window by its length.
    await sleep(STATS_SETTLE_MS);
    let pgBefore = await postgresTransactions(pg);
    let windowStart = Date.now();
    await sleep(2 * STATS_SETTLE_MS);
    const idlePerMs = ((await postgresTransactions(pg)) - pgBefore) / (Date.now() - windowStart);
    process.stderr.write(`[ops] idle baseline: ${(idlePerMs * 1000).toFixed(2)} PostgreSQL transactions/s\n`);

    const scenarios: OpsMeasurement['scenarios'] = {};
    for (const scenario of SCENARIOS.filter((s) => s.target === 'main')) {

      const redisBefore = await redisCommandCounts(redis);
      pgBefore = await postgresTransactions(pg);
      windowStart = Date.now();
      let ok = 0;
      for (let i = 0; i < count; i++) {
        const reply = await client!.send({ method: scenario.method, path: scenario.path, body: scenario.body, jar: scenario.session ?? null });
        if (reply.status >= 200 && reply.status < 300) ok++;
      }
      if (ok !== count) throw new Error(`${scenario.name}: ${count - ok} of ${count} requests failed`);
      const redisUsed = diff(await redisCommandCounts(redis), redisBefore);
      await sleep(STATS_SETTLE_MS);
      const pgUsed = Math.max(0, (await postgresTransactions(pg)) - pgBefore - idlePerMs * (Date.now() - windowStart));
      const redisTotal = [...redisUsed.values()].reduce((a, b) => a + b, 0);
      scenarios[scenario.name] = {
        redisCommandsPerRequest: redisTotal / count,
        postgresTransactionsPerRequest: pgUsed / count,
        redisCommands: Object.fromEntries([...redisUsed].map(([name, n]) => [name, n / count])),
      };
      process.stderr.write(`[ops] ${scenario.name}: ${(redisTotal / count).toFixed(2)} Redis cmds, ${(pgUsed / count).toFixed(2)} PostgreSQL xacts per request\n`);
    }
    const result: OpsMeasurement = {
      schemaVersion: 1,
      measuredAt: new Date().toISOString(),
      target: base,
      requestsPerScenario: count,
      scenarios,
      redisCeiling: await redisCeiling(redis, topo.redisPort),
    };
    writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${values.out}\n`);
  } finally {
    client?.close();
    redis.disconnect();
    await pg.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ops failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
