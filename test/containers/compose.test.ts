// docker-compose.yml really started on a local Docker engine: up --build from clean, every
// healthcheck healthy, the lessons through the nginx port published on 127.0.0.1, Prometheus
// sees every target, data outlives a Redis restart, and `down -v` leaves nothing behind.
// One file on purpose: the steps share one running project and must run in this order.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SimulatedClient } from '../../cluster/simulated-client';
import { testClient, tally } from '../support/e2e-cluster';
import { IMAGE, docker, leftovers, lines, repoRoot, run, sleep, suiteInfo, waitFor } from './docker';
import { COMPOSE_PROJECT, COMPOSE_SERVICES, SUITE_SECRETS, composeArgs, composeEnv } from './project';

const compose = (args: string[], timeoutMs?: number): string => run('docker-compose', composeArgs(args), composeEnv(), timeoutMs);
const containerOf = (service: string): string => lines(compose(['ps', '-q', service]))[0] ?? '';
const log = (s: string): boolean => process.stdout.write(`compose: ${s}\n`);

let nginxUrl: string;
const clients: SimulatedClient[] = [];
function client(localAddress = '127.0.0.1'): SimulatedClient {
  const c = testClient(nginxUrl, localAddress);
  clients.push(c);
  return c;
}

/** 'healthy', 'exited(0)', 'running' (no healthcheck) … for one service's container. */
function state(service: string): string {
  const id = containerOf(service);
  if (!id) return 'absent';
  const [status, exitCode, health] = docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', id]).trim().split(' ');
  if (status === 'exited') return `exited(${exitCode})`;
  return health || status!;
}

const expected = (service: string): string =>
  service === 'migrate' ? 'exited(0)' : service.endsWith('-exporter') ? 'running' : 'healthy';

async function allHealthy(timeoutMs: number): Promise<void> {
  await waitFor('every service healthy', () => {
    const states = Object.fromEntries(COMPOSE_SERVICES.map((s) => [s, state(s)]));
    return COMPOSE_SERVICES.every((s) => states[s] === expected(s)) ? states : undefined;
  }, timeoutMs, 2_000);
}

/** Runs `count` calls of `fn`, `concurrency` at a time. */
async function pool<T>(count: number, concurrency: number, fn: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let started = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (started < count) {
      started += 1;
      results.push(await fn());
    }
  }));
  return results;
}

beforeAll(async () => {
  nginxUrl = `http://127.0.0.1:${suiteInfo().nginxPort}`;
  const before = leftovers(`com.docker.compose.project=${COMPOSE_PROJECT}`);
  expect(before).toEqual({ containers: [], networks: [], volumes: [] });
  const started = Date.now();
  compose(['up', '-d', '--build', ...COMPOSE_SERVICES], 900_000);
  await allHealthy(300_000);
  log(`up --build → every healthcheck healthy in ${((Date.now() - started) / 1000).toFixed(1)} s (image ${IMAGE} already built by the suite setup)`);
  log('Grafana was NOT started: grafana/grafana-oss cannot be pulled here and has no stand-in.');
}, 1_200_000);

afterAll(() => {
  for (const c of clients) c.close();
});

describe('docker-compose.yml on a real engine', () => {
  it('when the stack is up, then every service is healthy and nginx answers on 127.0.0.1', async () => {
    for (const s of COMPOSE_SERVICES) expect({ service: s, state: state(s) }).toEqual({ service: s, state: expected(s) });
    const reply = await client().get('/health');
    expect(reply.status).toBe(200);
  });

  it('when the lab page is requested, then nginx serves it and its bundle from public/', async () => {
    const c = client();
    for (const file of ['/', '/assets/lab.js', '/assets/lab.css']) expect({ file, status: (await c.get(file)).status }).toEqual({ file, status: 200 });
  });

  it('when stateless requests arrive, then they spread over all three replicas', async () => {
    const c = client();
    const replies = await pool(30, 3, () => c.get('/api/v1/stateless/info'));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(Object.keys(tally(replies.map((r) => r.replica))).sort()).toEqual(['app-1', 'app-2', 'app-3']);
  });

  it('when host clients with different addresses call ip_hash routes, then all land on one replica (the bridge-gateway trap)', async () => {
    // 127.0.N.1 are distinct /24s natively; through the published port Docker's proxy connects
    // from the bridge gateway, so nginx sees one client address.
    const replies = await Promise.all(Array.from({ length: 8 }, (_, n) => client(`127.0.${n + 1}.1`).get('/api/v1/stateful/sessions/current')));
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(401));
    expect(new Set(replies.map((r) => r.replica)).size).toBe(1);
  });

  it('when clients sit in containers on their own /24 networks, then ip_hash sticks each to one replica and spreads them', async () => {
    const nginx = containerOf('nginx');
    const seen: Record<string, string[]> = {};
    for (let k = 0; k < 6; k += 1) {
      const network = `statelab-ct-client-${k}`;
      docker(['network', 'create', '--label', 'statelab-ct.client=1', '--subnet', `10.231.${10 + k}.0/24`, network]);
      try {
        docker(['network', 'connect', network, nginx]);
        const ip = docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, nginx]).trim();
        const script =
          'const ids=[];(async()=>{for(let i=0;i<8;i++){const r=await fetch(process.argv[1]);ids.push(r.headers.get("x-instance-id"))}' +
          'console.log(JSON.stringify(ids))})().catch(e=>{console.error(e);process.exit(1)})';
        const out = docker(['run', '--rm', '--label', 'statelab-ct.client=1', '--network', network, IMAGE, 'node', '-e', script, `http://${ip}:8080/api/v1/stateful/sessions/current`]);
        seen[network] = JSON.parse(out.trim()) as string[];
      } finally {
        docker(['network', 'disconnect', '-f', network, nginx]);
        docker(['network', 'rm', network]);
      }
    }
    log(`ip_hash from six client networks: ${JSON.stringify(Object.fromEntries(Object.entries(seen).map(([n, ids]) => [n, ids[0]])))}`);
    for (const ids of Object.values(seen)) expect(new Set(ids).size).toBe(1);
    expect(new Set(Object.values(seen).map((ids) => ids[0])).size).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('when a memory session is read through /rr/, then other replicas answer 401 NO_SESSION', async () => {
    const c = client();
    const created = await c.request('POST', '/rr/api/v1/local/sessions');
    expect(created.status).toBe(201);
    const reads = [];
    for (let i = 0; i < 6; i += 1) reads.push(await c.get('/rr/api/v1/local/sessions/current'));
    const others = reads.filter((r) => r.replica !== created.replica);
    expect(others.length).toBeGreaterThan(0);
    expect(others.map((r) => r.status)).toEqual(Array(others.length).fill(401));
    expect(reads.filter((r) => r.replica === created.replica).every((r) => r.status === 200)).toBe(true);
  });

  it('when the naive and atomic counters are hammered concurrently, then the naive one loses updates and the atomic none', async () => {
    const c = client();
    expect((await c.request('POST', '/api/v1/stateful/sessions')).status).toBe(201);
    const naive = await pool(200, 20, () => c.request('POST', '/api/v1/stateful/counter/naive'));
    const atomic = await pool(200, 20, () => c.request('POST', '/api/v1/stateful/counter/atomic'));
    expect(naive.every((r) => r.status === 200) && atomic.every((r) => r.status === 200)).toBe(true);
    const final = (await c.get('/api/v1/stateful/counter')).json as { naive: number; atomic: number };
    log(`200 concurrent increments each: naive ${final.naive}, atomic ${final.atomic}`);
    expect(final.atomic).toBe(200);
    expect(final.naive).toBeLessThan(200);
  });

  it('when the replica holding a Redis session is killed, then another replica serves the same session', async () => {
    const c = client();
    const created = await c.request('POST', '/api/v1/stateful/sessions');
    expect(created.status).toBe(201);
    const owner = created.replica ?? '';
    docker(['kill', containerOf(owner)]);
    try {
      const after = await c.get('/api/v1/stateful/sessions/current');
      expect(after.status).toBe(200);
      expect(after.json.sessionId).toBe(created.json.sessionId);
      expect(after.replica).not.toBe(owner);
    } finally {
      compose(['start', owner]);
      await allHealthy(120_000);
    }
  }, 180_000);

  it('when Redis is restarted, then sessions survive through its append-only file', async () => {
    const c = client();
    const created = await c.request('POST', '/api/v1/stateful/sessions');
    expect(created.status).toBe(201);
    // appendfsync everysec: give the write a second to reach the file.
    await sleep(1_500);
    compose(['restart', 'redis']);
    await allHealthy(120_000);
    const after = await waitFor('the session readable again', async () => {
      const r = await c.get('/api/v1/stateful/sessions/current');
      return r.status === 503 ? undefined : r;
    }, 30_000);
    expect(after.status).toBe(200);
    expect(after.json.sessionId).toBe(created.json.sessionId);
  }, 180_000);

  it('when Prometheus has scraped, then every target is up', async () => {
    const url = `http://127.0.0.1:${suiteInfo().prometheusPort}/api/v1/targets`;
    type Target = { labels: Record<string, string>; health: string; lastError: string };
    const targets = await waitFor('every Prometheus target up', async () => {
      const body = (await (await fetch(url)).json()) as { data: { activeTargets: Target[] } };
      const active = body.data.activeTargets;
      return active.length > 0 && active.every((t) => t.health === 'up') ? active : undefined;
    }, 90_000, 2_000).catch(async (error: Error) => {
      const body = await (await fetch(url)).text();
      throw new Error(`${error.message}\n${body}`);
    });
    const jobs = tally(targets.map((t) => t.labels.job ?? ''));
    log(`Prometheus targets up: ${JSON.stringify(jobs)}`);
    expect(targets.length).toBeGreaterThanOrEqual(6);
  }, 120_000);

  it('when docker-compose is run with no .env and no secret set, then it refuses to create anything and names the missing secret', () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'statelab-ct-noenv-'));
    try {
      const emptyEnv = path.join(scratch, 'empty.env');
      writeFileSync(emptyEnv, '');
      const env: NodeJS.ProcessEnv = { ...process.env, ...composeEnv() };
      for (const name of Object.keys(SUITE_SECRETS)) delete env[name];
      const project = `${COMPOSE_PROJECT}-nosecret`;
      for (const args of [['config'], ['up', '--no-start', 'app-1']]) {
        const result = spawnSync('docker-compose', ['--env-file', emptyEnv, '-p', project, '-f', 'docker-compose.yml', ...args], { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000 });
        expect({ args, status: result.status === 0 ? 'accepted' : 'refused' }).toEqual({ args, status: 'refused' });
        expect(result.stderr).toContain('SESSION_SECRET');
      }
      expect(leftovers(`com.docker.compose.project=${project}`)).toEqual({ containers: [], networks: [], volumes: [] });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('when a replica container starts in production with a published secret or without JWT_KEYS, then it exits and says which', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ SESSION_SECRET: 'compose-dev-secret-change-me', JWT_KEYS: SUITE_SECRETS.JWT_KEYS }, /SESSION_SECRET: a published value/],
      [{ SESSION_SECRET: 'statelab-dev-secret-change-me', JWT_KEYS: SUITE_SECRETS.JWT_KEYS }, /SESSION_SECRET: a published value/],
      [{ SESSION_SECRET: SUITE_SECRETS.SESSION_SECRET }, /JWT_KEYS: required/],
    ];
    for (const [vars, message] of cases) {
      const env = Object.entries({ NODE_ENV: 'production', MIGRATE_ON_START: 'false', ...vars }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      const result = spawnSync('docker', ['run', '--rm', '--label', 'statelab-ct.client=1', ...env, IMAGE, 'node', 'dist/src/server.js'], { encoding: 'utf8', timeout: 120_000 });
      expect({ vars, exited: result.status }).toEqual({ vars, exited: 1 });
      expect(`${result.stdout}${result.stderr}`).toMatch(message);
    }
  }, 180_000);

  it('when the stack is taken down with -v, then no container, network or volume is left', () => {
    compose(['down', '-v', '--remove-orphans', '-t', '10'], 300_000);
    expect(leftovers(`com.docker.compose.project=${COMPOSE_PROJECT}`)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(lines(docker(['network', 'ls', '-q', '--filter', 'label=statelab-ct.client']))).toEqual([]);
  }, 300_000);
});
