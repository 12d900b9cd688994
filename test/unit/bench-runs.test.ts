// The bench panel's controller side (lab/bench-runs/): runs read back from bench/results/ through
// the harness's schema, the one-sentence answer, run ids that cannot leave bench/results/, and one
// benchmark at a time driven through its routes — with a stand-in for the bench CLI child that
// speaks the real `--progress-json` lines and writes a real results folder (bench/report/write.ts).
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { progressLine } from '../../bench/progress-json';
import { writeReport } from '../../bench/report/write';
import type { Results } from '../../bench/results-schema';
import type { Progress } from '../../bench/runner';
import { computeRatios } from '../../bench/summary';
import { loadTopology, portBlockEnv } from '../../cluster/topology';
import { benchArgs } from '../../lab/bench-runs/bench-command';
import { listRuns, readRun, runDir, stateAnswer } from '../../lab/bench-runs/bench-results';
import { benchRouter, REPORT_CSP } from '../../lab/bench-runs/bench-routes';
import { benchEnvironment, BenchRunner, commandPrefix, rpsBetween, secondsLeft, type BenchChild } from '../../lab/bench-runs/bench-runner';
import type { BenchFinished, BenchProgress, BenchReading, BenchStarted } from '../../lab/lessons/08-state-has-a-price.contract';
import { errorHandler } from '../../src/errors/error-middleware';
import { resultsFixture, scenarioFixture } from '../bench/results-fixture';

const logger = pino({ level: 'silent' });

function results(scenarios: [string, number[]][], startedAt = '2026-12-04T10:00:00.000Z'): Results {
  const r = resultsFixture(scenarios.map(([name, rps]) => scenarioFixture(name, rps)));
  return { ...r, environment: { ...r.environment, startedAt }, ratios: computeRatios(r.scenarios) };
}

const STATE = results([['stateless-info', [4400, 4500, 4450]], ['stateful-session-read', [2600, 2900, 2850]], ['stateful-session-write', [1700, 1800, 1780]]]);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'statelab-bench-runs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runs in bench/results/', () => {
  it('when a run id is not a results folder name, then it is refused before any path is built', () => {
    for (const id of ['..', '../etc', '2026-12-04T10-00-00Z/../..', '2026-12-04T10-00-00Z%2F..', 'report.html', '']) {
      expect(() => runDir(dir, id)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
    expect(() => runDir(dir, '2026-12-04T10-00-00Z')).toThrow(expect.objectContaining({ code: 'BENCH_RUN_NOT_FOUND' }));
  });

  it('when a well-named folder is a symlink out of bench/results/, then it is not a run', () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'statelab-outside-'));
    try {
      writeReport(STATE, outside);
      symlinkSync(outside, path.join(dir, '2026-12-04T10-00-00Z'));
      expect(() => readRun(dir, '2026-12-04T10-00-00Z')).toThrow(expect.objectContaining({ code: 'BENCH_RUN_NOT_FOUND' }));
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('when earlier runs are listed, then they come newest first, bounded, without folders that are not readable runs', () => {
    for (const [i, id] of ['2026-12-01T09-00-00Z', '2026-12-03T09-00-00Z', '2026-12-02T09-00-00Z', '2026-12-03T09-00-00Z-2'].entries()) writeReport(results([['stateless-info', [1000 + i]]]), path.join(dir, id));
    mkdirSync(path.join(dir, '2026-12-04T09-00-00Z'));
    writeFileSync(path.join(dir, '2026-12-04T09-00-00Z', 'results.json'), '{"schemaVersion": 0}');
    mkdirSync(path.join(dir, 'my-own-out-dir'));
    expect(listRuns(dir).map((r) => r.runId)).toEqual(['2026-12-03T09-00-00Z-2', '2026-12-03T09-00-00Z', '2026-12-02T09-00-00Z', '2026-12-01T09-00-00Z']);
    expect(listRuns(dir, 2)).toHaveLength(2);
  });
});

describe('what does state cost, in one sentence', () => {
  it('when a run measured session reads and writes against stateless-info, then it says both with the run\'s numbers', () => {
    expect(stateAnswer(STATE)).toBe(
      'On this machine a session read through Redis served 0.64× the requests/s of a stateless request: 2,850 vs 4,450 req/s, runs 0.59–0.64, 95 % interval 0.55–0.70 over 3 runs (not fit to quote); ' +
        'and a session write (PostgreSQL insert + Redis) 0.40×: 1,780 vs 4,450 req/s, runs 0.39–0.40, 95 % interval 0.38–0.42 over 3 runs.',
    );
  });

  it('when a run has one run only, then the sentence says there is no interval yet', () => {
    expect(stateAnswer(results([['stateless-info', [4000]], ['stateful-session-read', [3000]]]))).toBe(
      'On this machine a session read through Redis served 0.75× the requests/s of a stateless request: 3,000 vs 4,000 req/s, one run, so no interval yet.',
    );
  });

  it('when a run measured no state but the edge cache, then it answers with that ratio; with no ratio at all, nothing', () => {
    expect(stateAnswer(results([['stateless-products', [500]], ['stateless-products-cached', [4000]]]))).toMatch(/^On this machine the catalogue through nginx's 5 s edge cache served 8\.00× the requests\/s of the uncached catalogue/);
    expect(stateAnswer(results([['stateless-info', [4000]]]))).toBeNull();
  });
});

describe('the bench child environment and command', () => {
  it("when the cluster is the default one, then the command needs no prefix; another one's topology is spelled out, passwords hidden", () => {
    expect(commandPrefix(loadTopology({}))).toBe('');
    const moved = loadTopology({ ...portBlockEnv(28_000), CLUSTER_DIR: '.cluster-test', DATABASE_URL: 'postgresql://app:s3cret@db.example:5432/statelab' });
    const prefix = commandPrefix(moved);
    expect(prefix).toContain('NGINX_PORT=28080 ');
    expect(prefix).toContain('CLUSTER_DIR=.cluster-test ');
    expect(prefix).toContain("DATABASE_URL='postgresql://app:***@db.example:5432/statelab' ");
    expect(prefix).not.toContain('s3cret');
  });

  it('when the child environment is built, then it holds the cluster\'s topology and not the lab token', () => {
    const topology = loadTopology(portBlockEnv(30_000));
    const env = benchEnvironment(topology, { LAB_TOKEN: 'x'.repeat(32), NGINX_PORT: '8080', PATH: '/usr/bin' });
    expect(env.LAB_TOKEN).toBeUndefined();
    expect(loadTopology(env)).toEqual(topology);
    expect(env.PATH).toBe('/usr/bin');
  });

  it('when the page asks for a run, then the CLI gets --running-cluster, never --pin, and the folder and ticks only with a run id', () => {
    const request = { scenarios: ['stateless-info', 'stateful-session-read'], runs: 3, durationSeconds: 5, warmupSeconds: 1 };
    expect(benchArgs(request)).toEqual(['--scenario', 'stateless-info,stateful-session-read', '--runs', '3', '--duration', '5', '--warmup', '1', '--running-cluster']);
    expect(benchArgs(request, '2026-12-04T10-00-00Z').slice(-3)).toEqual(['--out', 'bench/results/2026-12-04T10-00-00Z', '--progress-json']);
    expect(benchArgs(request, 'x').join(' ')).not.toContain('--pin');
  });
});

const tick = (extra: Partial<Progress>): Progress => ({
  run: 1, runs: 1, step: 1, steps: 2, scenario: 'stateless-info', phase: 'measure', elapsedSeconds: 1, durationSeconds: 2, responses: 0, perReplica: {}, ...extra,
});

describe('progress of a running benchmark', () => {
  it('when two ticks of one phase arrive, then requests/s per replica are the responses between them over the time between them', () => {
    const first = { type: 'progress' as const, ...tick({ elapsedSeconds: 1, perReplica: { 'app-1': 1000, 'app-2': 900 } }) };
    const second = { type: 'progress' as const, ...tick({ elapsedSeconds: 2, perReplica: { 'app-1': 2200, 'app-2': 1800, 'app-3': 50 } }) };
    expect(rpsBetween(null, first)).toEqual({ 'app-1': 1000, 'app-2': 900 });
    expect(rpsBetween(first, second)).toEqual({ 'app-1': 1200, 'app-2': 900, 'app-3': 50 });
    expect(rpsBetween({ ...first, phase: 'warm-up' }, second)).toEqual({ 'app-1': 1100, 'app-2': 900, 'app-3': 25 });
  });

  it('when a tick says where the run is, then the time left counts the rest of this phase and every step still to come', () => {
    const at = (extra: Partial<Progress>) => secondsLeft({ type: 'progress', ...tick(extra) }, 1, 5);
    expect(at({ phase: 'measure', elapsedSeconds: 2, durationSeconds: 5, step: 1, steps: 4 })).toBe(3 + 3 * 6);
    expect(at({ phase: 'warm-up', elapsedSeconds: 0.5, durationSeconds: 1, step: 4, steps: 4 })).toBe(6);
    expect(at({ phase: 'sessions', elapsedSeconds: 0, durationSeconds: 0, step: 2, steps: 2 })).toBe(6);
  });
});

class FakeChild extends EventEmitter implements BenchChild {
  readonly stderr = new PassThrough();
  killedWith: NodeJS.Signals | undefined;
  say(line: string): void {
    this.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
  }
  end(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.stderr.end();
    this.stderr.once('end', () => setImmediate(() => this.emit('close', code, signal)));
    this.stderr.resume();
  }
  kill(signal?: NodeJS.Signals): boolean {
    this.killedWith = signal;
    this.end(null, signal ?? 'SIGTERM');
    return true;
  }
}

interface Harness {
  app: express.Express;
  children: { args: string[]; child: FakeChild }[];
  events: { kind: string; data: unknown; keep: boolean }[];
  pauses: { paused: number; resumed: number };
  next<T>(kind: string): Promise<T>;
}

function harness(): Harness {
  const children: Harness['children'] = [];
  const events: Harness['events'] = [];
  const waiting: { kind: string; resolve: (data: unknown) => void }[] = [];
  const pauses = { paused: 0, resumed: 0 };
  const runner = new BenchRunner({
    resultsDir: dir,
    env: {},
    commandPrefix: '',
    launch: (args) => {
      const child = new FakeChild();
      children.push({ args, child });
      return child;
    },
    publish: (kind, data, options) => {
      events.push({ kind, data, keep: options?.keep ?? true });
      for (const w of waiting.filter((x) => x.kind === kind)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(data);
      }
    },
    pauseTraffic: () => {
      pauses.paused += 1;
      return () => {
        pauses.resumed += 1;
      };
    },
    logger,
    now: () => new Date('2026-12-04T10:00:00.000Z'),
  });
  const app = express();
  app.use(express.json());
  app.use(benchRouter({ runner, resultsDir: dir, publishReading: (reading) => events.push({ kind: 'reading', data: reading, keep: true }) }));
  app.use(errorHandler(logger));
  return { app, children, events, pauses, next: <T>(kind: string) => new Promise<T>((resolve) => waiting.push({ kind, resolve: resolve as (d: unknown) => void })) };
}

const body = { scenarios: ['stateless-info', 'stateful-session-read'], runs: 1, durationSeconds: 2, warmupSeconds: 0, prediction: 0.7 };

describe('one benchmark at a time, from the page', () => {
  it('when a body is outside the bounds, then it is a 400 and nothing starts', async () => {
    const h = harness();
    for (const bad of [
      { ...body, scenarios: ['stateless-info', 'rm -rf /'] },
      { ...body, scenarios: ['stateless-info', 'stateless-info'] },
      { ...body, scenarios: [] },
      { ...body, runs: 6 },
      { ...body, durationSeconds: 31 },
      { ...body, warmupSeconds: -1 },
      { ...body, durationSeconds: 1.5 },
      { ...body, pin: true },
      { ...body, scenarios: ['baseline', 'stateless-info', 'stateful-session-read', 'stateful-session-write'], runs: 5, durationSeconds: 30, warmupSeconds: 5 },
    ]) {
      const res = await request(h.app).post('/runs').send(bad);
      expect({ bad, status: res.status, code: res.body.error?.code }).toEqual({ bad, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect(h.children).toHaveLength(0);
    expect(h.pauses.paused).toBe(0);
  });

  it('when a benchmark runs, then a second start is a 409 BENCH_RUNNING, ticks stream unkept, and its end publishes the results folder\'s ratios', async () => {
    const h = harness();
    const start = await request(h.app).post('/runs').send(body);
    expect(start.status).toBe(202);
    const started = start.body as BenchStarted;
    expect(started).toMatchObject({ runId: '2026-12-04T10-00-00Z', scenarios: body.scenarios, runs: 1, durationSeconds: 2, warmupSeconds: 0, prediction: 0.7, plannedSeconds: 4 });
    expect(started.command).toBe('npm run bench -- --scenario stateless-info,stateful-session-read --runs 1 --duration 2 --warmup 0 --running-cluster --out bench/results/2026-12-04T10-00-00Z --progress-json');
    expect(h.children[0]!.args).toEqual(benchArgs(body, started.runId));
    expect(h.pauses).toEqual({ paused: 1, resumed: 0 });

    const second = await request(h.app).post('/runs').send(body);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'BENCH_RUNNING', message: expect.stringContaining('one at a time'), details: { runId: started.runId } });

    const child = h.children[0]!.child;
    const progress = h.next<BenchProgress>('progress');
    child.say('[bench] 2 scenarios × 1 runs against http://127.0.0.1:8080 (nginx)');
    child.say(progressLine(tick({ elapsedSeconds: 1, responses: 3000, perReplica: { 'app-1': 1000, 'app-2': 1000, 'app-3': 1000 } })));
    expect(await progress).toMatchObject({ runId: started.runId, scenario: 'stateless-info', phase: 'measure', run: 1, runs: 1, step: 1, steps: 2, rpsPerReplica: { 'app-1': 1000, 'app-2': 1000, 'app-3': 1000 }, secondsLeft: 3 });
    expect(h.events.find((e) => e.kind === 'progress')?.keep).toBe(false);

    const written = results([['stateless-info', [4000]], ['stateful-session-read', [3000]]], '2026-12-04T10:00:00.000Z');
    writeReport(written, path.join(dir, started.runId));
    const finished = h.next<BenchFinished>('finished');
    child.end(0);
    const end = await finished;
    expect(end).toMatchObject({ runId: started.runId, ok: true, error: null, scenarios: body.scenarios });
    expect(end.ratios).toEqual(written.ratios);
    expect(end.summary?.answer).toContain('0.75×');
    expect(end.summary?.reportUrl).toBe(`/lab/api/lessons/state-has-a-price/runs/${started.runId}/report.html`);
    expect(h.pauses).toEqual({ paused: 1, resumed: 1 });
    expect(h.events.filter((e) => e.kind === 'started' || e.kind === 'finished').every((e) => e.keep)).toBe(true);

    const listed = await request(h.app).get('/runs');
    expect(listed.body.runs.map((r: { runId: string }) => r.runId)).toEqual([started.runId]);
    const again = await request(h.app).post('/runs').send(body);
    expect(again.status).toBe(202);
    expect(again.body.runId).toBe('2026-12-04T10-00-00Z-2');
  });

  it('when the bench fails, then the finished event says why in its own words and the traffic is resumed', async () => {
    const h = harness();
    await request(h.app).post('/runs').send(body).expect(202);
    const finished = h.next<BenchFinished>('finished');
    const child = h.children[0]!.child;
    child.say('[bench] warning: the native cluster is only partly ready');
    child.say('');
    child.say('[bench] error: nothing answers at http://127.0.0.1:8080/api/v1/stateless/info (connect ECONNREFUSED); is the target up?');
    child.end(1);
    expect(await finished).toMatchObject({ ok: false, error: 'nothing answers at http://127.0.0.1:8080/api/v1/stateless/info (connect ECONNREFUSED); is the target up?', ratios: [], summary: null });
    expect(h.pauses).toEqual({ paused: 1, resumed: 1 });
  });

  it('when the page stops a running benchmark, then the child gets SIGTERM and the run ends as stopped', async () => {
    const h = harness();
    await request(h.app).post('/runs').send(body).expect(202);
    const finished = h.next<BenchFinished>('finished');
    expect((await request(h.app).post('/runs/stop')).body).toEqual({ stopped: true });
    expect(h.children[0]!.child.killedWith).toBe('SIGTERM');
    expect(await finished).toMatchObject({ ok: false, error: 'stopped: stopped from the page' });
    expect((await request(h.app).post('/runs/stop')).body).toEqual({ stopped: false });
  });
});

describe('a run read back on the page', () => {
  const ID = '2026-12-04T10-00-00Z';

  it('when its report.html is asked for, then it is the harness\'s file, HTML, with a CSP that allows no script', async () => {
    const h = harness();
    writeReport(STATE, path.join(dir, ID));
    const res = await request(h.app).get(`/runs/${ID}/report.html`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toBe(REPORT_CSP);
    expect(REPORT_CSP).toMatch(/default-src 'none'/);
    expect(REPORT_CSP).not.toMatch(/script-src/);
    expect(res.text).toContain('<svg');
  });

  it('when a path tries to leave bench/results/, then it is refused', async () => {
    const h = harness();
    for (const url of ['/runs/..%2F..%2Fetc/report.html', '/runs/%2e%2e/report.html', `/runs/${ID}%2F..%2F..%2Fpackage.json/report.html`]) {
      const res = await request(h.app).get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
    }
    expect((await request(h.app).get(`/runs/${ID}/report.html`)).status).toBe(404);
  });

  it('when two runs are compared, then the harness\'s compare answers with its rows', async () => {
    const h = harness();
    writeReport(STATE, path.join(dir, ID));
    writeReport(results([['stateless-info', [4000, 4100, 4050]], ['stateful-session-read', [2500, 2600, 2550]]]), path.join(dir, '2026-12-04T11-00-00Z'));
    const res = await request(h.app).get(`/compare?a=${ID}&b=2026-12-04T11-00-00Z`);
    expect(res.status).toBe(200);
    expect(res.body.rows.map((r: { scenario: string }) => r.scenario)).toEqual(['stateless-info', 'stateful-session-read']);
    expect(res.body.onlyInA).toEqual(['stateful-session-write']);
    expect((await request(h.app).get('/compare?a=../x&b=y')).status).toBe(400);
  });

  it('when a student reads the state ratio, then a reading inside the interval (± 0.05) is close and one outside is not', async () => {
    const h = harness();
    writeReport(STATE, path.join(dir, ID));
    const close = await request(h.app).post('/readings').send({ runId: ID, value: 0.64 });
    expect(close.body).toMatchObject({ runId: ID, ratio: 'stateful-read / stateless-info', value: 0.64, close: true });
    const far = (await request(h.app).post('/readings').send({ runId: ID, value: 0.9 })).body as BenchReading;
    expect(far.close).toBe(false);
    expect(h.events.filter((e) => e.kind === 'reading')).toHaveLength(2);
    writeReport(results([['stateless-products', [500]], ['stateless-products-cached', [4000]]]), path.join(dir, '2026-12-04T11-00-00Z'));
    expect((await request(h.app).post('/readings').send({ runId: '2026-12-04T11-00-00Z', value: 1 })).body.error.code).toBe('VALIDATION_FAILED');
  });
});
