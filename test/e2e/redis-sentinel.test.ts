// REDIS_MODE=sentinel as a student starts it: a cluster of its own (two replicas, a Redis
// primary, its replica and three Sentinels), then the primary killed under load by
// `npm run chaos -- redis-failover`, held to the expectation the scenario states.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { runChaos } from '../support/chaos-run';
import { testClient, e2eClusterDir, pickPortBlock, redisUnauthenticated, statusTable } from '../support/e2e-cluster';
import { runLauncher } from '../../cluster/launcher';
import { requireClusterState } from '../../cluster/state';

const clusterDir = path.join(e2eClusterDir, 'sentinel-cluster');
let env: NodeJS.ProcessEnv;
let nginxUrl: string;
let ports: Awaited<ReturnType<typeof pickPortBlock>>;
const outDir = mkdtempSync(path.join(tmpdir(), 'statelab-failover-'));

function launcher(args: string[]): string {
  return runLauncher(args, { env, timeoutMs: 300_000 });
}

beforeAll(async () => {
  ports = await pickPortBlock(2);
  env = { ...process.env, ...ports.env, CLUSTER_DIR: clusterDir, REPLICAS: '2', NODE_ENV: 'production', REDIS_MODE: 'sentinel' };
  delete env.REDIS_URL;
  delete env.DATABASE_URL;
  nginxUrl = `http://127.0.0.1:${ports.topology.nginxPort}`;
  launcher(['down', '--clean']);
  launcher(['up']);
}, 300_000);

afterAll(() => {
  launcher(['down', '--clean']);
  rmSync(outDir, { recursive: true, force: true });
}, 120_000);

describe('Redis with Sentinel (REDIS_MODE=sentinel)', () => {
  test('when the cluster starts, then status names one primary, one replica and three Sentinels, and a session written through nginx is copied to the replica', async () => {
    const patterns = [/^ {2}redis +ready, primary /m, /^ {2}redis-replica +ready, replica /m, ...[1, 2, 3].map((n) => new RegExp(`^ {2}sentinel-${n} +ready, sentinel `, 'm'))];
    const status = await statusMatching(patterns);
    for (const p of patterns) expect(status).toMatch(p);

    const client = testClient(nginxUrl);
    const created = await client.request('POST', '/api/v1/stateful/sessions');
    client.close();
    expect(created.status).toBe(201);
    // Every Redis and Sentinel of the cluster wants its password (state.json): none answers without.
    const { secrets } = requireClusterState(clusterDir);
    if (!secrets) throw new Error(`${clusterDir}/state.json holds no secrets`);
    for (const port of [ports.topology.redisHa.replicaPort, ...ports.topology.redisHa.sentinels.map((s) => s.port)]) {
      expect({ port, reply: await redisUnauthenticated(port, 'PING') }).toEqual({ port, reply: expect.stringMatching(/^-NOAUTH/) });
    }
    const sentinel = new Redis({ port: ports.topology.redisHa.sentinels[0]!.port, password: secrets.sentinelPassword, lazyConnect: true });
    try {
      await sentinel.connect();
      expect(await sentinel.call('SENTINEL', 'get-master-addr-by-name', 'statelab')).toEqual(['127.0.0.1', String(ports.topology.redisPort)]);
    } finally {
      sentinel.disconnect();
    }
    const replica = new Redis({ port: ports.topology.redisHa.replicaPort, password: secrets.redisPassword, lazyConnect: true });
    try {
      await replica.connect();
      const key = `statelab:sess:${created.json.sessionId as string}`;
      // Replication is asynchronous: the copy lands a moment after the primary answered.
      let copied = 0;
      for (let i = 0; i < 50 && copied === 0; i += 1) {
        copied = await replica.exists(key);
        if (copied === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(copied).toBe(1);
    } finally {
      replica.disconnect();
    }
  });

  test('when the primary is killed under load, then the replica is promoted, stateful requests fail fast meanwhile, writes come back within 10 s, every session survives and the old primary rejoins as a replica', async () => {
    // Every wait in the scenario is bounded (promotion 30 s, restart 10 s, rejoin 30 s, the
    // read-back after it); this is the bound on all of them together on a busy CI machine.
    const run = await runChaos(['redis-failover', '--out', outDir, '--clients', '4', '--victim', 'app-1'], env, 200_000);
    const stdout = run.output;
    const [dir] = readdirSync(outDir);
    if (!dir) throw new Error(`npm run chaos -- redis-failover wrote no report:\n${run.cutOff ? `${run.cutOff}\n` : ''}${stdout}\n${logTails()}`);
    const report = JSON.parse(readFileSync(path.join(outDir, dir, 'report.json'), 'utf8')) as {
      runs: {
        verdict: { held: boolean; reasons: string[] };
        findings: {
          routes: { route: string; requests: number; failed: number; maxFailedLatencyMs: number }[];
          failures: { error: string; count: number }[];
          counter: { acknowledged: number; final: number; lost: number; duplicated: number };
          sessionsBefore: number;
          sessionsAfter: number;
          notes: Record<string, string | number>;
          writeRecoveryMs: number;
        };
      }[];
    };
    const { verdict, findings } = report.runs[0]!;
    process.stderr.write(
      `[redis-failover] promoted ${findings.notes.promoted} after ${findings.notes.promotedAfterMs} ms; session writes back after ${findings.writeRecoveryMs} ms; ` +
        `failures ${JSON.stringify(findings.failures)}; sessions ${findings.sessionsBefore}→${findings.sessionsAfter}; counter ${JSON.stringify(findings.counter)}\n`,
    );
    expect(verdict).toEqual({ held: true, reasons: [] });
    expect(stdout).toMatch(/^HELD +redis-failover/m);
    expect(findings.notes).toMatchObject({ killed: 'redis', promoted: 'redis-replica', oldPrimaryRejoined: 'yes' });
    // The primary was really lost: stateful requests failed for a while, each one fast.
    const stateful = findings.routes.filter((r) => r.route !== 'stateless');
    expect(stateful.reduce((n, r) => n + r.failed, 0)).toBeGreaterThan(0);
    for (const r of stateful) expect(r.maxFailedLatencyMs).toBeLessThan(2_000);
    expect(findings.routes.find((r) => r.route === 'stateless')!.failed).toBe(0);
    expect(findings.failures.every((g) => g.error === 'REDIS_UNAVAILABLE')).toBe(true);
    expect(findings.writeRecoveryMs).toBeGreaterThan(0);
    expect(findings.writeRecoveryMs).toBeLessThan(10_000);
    expect(findings.sessionsAfter).toBe(findings.sessionsBefore);
    expect(findings.counter.duplicated).toBe(0);

    // After the failover the roles are swapped, and the launcher says so.
    const swapped = [/^ {2}redis-replica +ready, primary /m, /^ {2}redis +ready, replica /m];
    const status = await statusMatching(swapped);
    for (const p of swapped) expect(status).toMatch(p);
  }, 240_000);
});

/**
 * The status table once every pattern matches it, or after 15 tries a second apart: right after a
 * failover on a busy machine a probe may miss its 500 ms and show a Redis as "not ready" once.
 */
async function statusMatching(patterns: RegExp[]): Promise<string> {
  let table = '';
  for (let i = 0; i < 15; i += 1) {
    table = statusTable(env);
    if (patterns.every((p) => p.test(table))) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return table;
}

/** The last lines of every Redis and Sentinel log of this cluster: where a cut-off failover stopped. */
function logTails(): string {
  // The Sentinels first: they say whether and when a failover started.
  return ['sentinel-1', 'sentinel-2', 'sentinel-3', 'redis-replica', 'redis']
    .map((name) => {
      const file = path.join(clusterDir, name, name.startsWith('sentinel') ? 'sentinel.log' : 'redis.log');
      if (!existsSync(file)) return `${name}: no log at ${file}`;
      return `--- ${name} (${file}), last lines:\n${readFileSync(file, 'utf8').split('\n').slice(-15).join('\n')}`;
    })
    .join('\n');
}
