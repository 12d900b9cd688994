// Runs the scenarios: run 1 executes every scenario once, then run 2, … so that each ratio is
// computed from measurements taken minutes apart at most, on the same machine in the same state.
import { setTimeout as sleep } from 'node:timers/promises';
import { startBaselineServer, type BaselineServer } from './baseline';
import { createSessions, deleteSessions, makeClients, readCounter } from './clients';
import { measureLoad, type LoadMeasurement } from './load';
import { cpuSeconds, pinProcess, rssMiB, type ServerProcess } from './processes';
import type { RunResult, ScenarioResult } from './results-schema';
import type { LoadParameters, Scenario } from './scenarios';
import { computeRatios, scenarioWarnings, summarise } from './summary';
import { counterCheck, sumCounters } from '../cluster/counter-check';
import type { SimulatedClient } from '../cluster/simulated-client';

export interface RunnerOptions {
  targetUrl: string;
  targetKind: 'nginx' | 'direct' | 'custom';
  /** One replica, for scenarios whose target is 'direct'; null skips them. */
  directUrl: string | null;
  scenarios: readonly Scenario[];
  runs: number;
  clients: number;
  overrides: Partial<LoadParameters>;
  /** Replicas (and nginx) whose memory is reported at the end of the run. */
  servers?: readonly ServerProcess[];
  /** Server processes whose CPU time per response is reported (the baseline server is added). */
  cpuProcesses?: readonly ServerProcess[];
  /** `--pin`: CPU list for every server process, the baseline server included. */
  serverCpus?: string;
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  run: number;
  runs: number;
  step: number;
  steps: number;
  scenario: string;
  phase: 'sessions' | 'warm-up' | 'measure' | 'counter check';
  elapsedSeconds: number;
  durationSeconds: number;
  responses: number;
  /** Responses so far in this phase per X-Instance-Id; empty outside warm-up and measure. */
  perReplica: Record<string, number>;
}

export interface RunnerOutput {
  scenarios: ScenarioResult[];
  ratios: ReturnType<typeof computeRatios>;
  warnings: string[];
  memory: MemoryRow[];
  /** Server processes started by the runner itself (the baseline), as pinned. */
  pinned: ServerProcess[];
}

interface MemoryRow {
  name: string;
  pid: number;
  rssMiB: number | null;
}

/** Waits this long after a counter run so increments still in flight on the server land first. */
const SETTLE_MS = 300;

function parametersFor(scenario: Scenario, overrides: Partial<LoadParameters>): LoadParameters {
  return { ...scenario.defaults, ...overrides };
}

function baseUrlFor(scenario: Scenario, options: RunnerOptions, baseline: BaselineServer | undefined): string {
  if (scenario.target === 'baseline') return baseline!.url;
  if (scenario.target === 'direct') return options.directUrl!;
  return options.targetUrl;
}

/** Scenarios that can run with these options (no direct URL → no direct scenarios, and so on). */
export function applicableScenarios(options: Pick<RunnerOptions, 'scenarios' | 'directUrl' | 'targetKind'>): Scenario[] {
  return options.scenarios.filter((s) => {
    if (s.target !== 'direct') return true;
    return options.directUrl !== null && options.targetKind !== 'direct';
  });
}

/**
 * CPU time each process spent while `work` ran, per response, in microseconds. Throughput on a
 * small, shared machine swings with whatever else the host runs; the CPU a response cost each
 * process — the replica, Redis, nginx — is what tells a student where the time went.
 */
async function cpuPerResponse<T extends { responses: number; perReplica: Record<string, number> }>(
  processes: readonly ServerProcess[],
  work: () => Promise<T>,
): Promise<{ result: T; cpu: Record<string, number> }> {
  const before = processes.map((p) => cpuSeconds(p.pid));
  const result = await work();
  const cpu: Record<string, number> = {};
  // A replica (or the baseline) that answered none of the responses only idled through the run:
  // its metrics scrapes are not part of what a response cost.
  const answered = (name: string) => !/^(app-\d+|baseline)$/.test(name) || (result.perReplica[name] ?? 0) > 0;
  processes.forEach((p, i) => {
    const start = before[i];
    const end = cpuSeconds(p.pid);
    if (start === null || start === undefined || end === null || result.responses === 0 || !answered(p.name)) return;
    cpu[p.name] = Math.round(((end - start) * 1e6 * 10) / result.responses) / 10;
  });
  return { result, cpu };
}

async function runOnce(
  scenario: Scenario,
  baseUrl: string,
  params: LoadParameters,
  clients: SimulatedClient[],
  cpuProcesses: readonly ServerProcess[],
  report: (phase: Progress['phase'], elapsed: number, duration: number, responses: number, perReplica?: Record<string, number>) => void,
): Promise<Omit<RunResult, 'run'>> {
  const url = `${baseUrl}${scenario.path}`;
  const load = (durationSeconds: number, phase: Progress['phase']): Promise<LoadMeasurement> =>
    measureLoad({
      url,
      method: scenario.method,
      body: scenario.body,
      connections: params.connections,
      pipelining: params.pipelining,
      durationSeconds,
      clients,
      session: scenario.session,
      onTick: (elapsed, responses, perReplica) => report(phase, elapsed, durationSeconds, responses, perReplica),
    });

  const namespace = scenario.session;
  let sessions = new Map<SimulatedClient, string>();
  try {
    if (namespace) {
      report('sessions', 0, 0, 0);
      sessions = await createSessions(namespace, clients);
    }
    if (params.warmupSeconds > 0) await load(params.warmupSeconds, 'warm-up');
    if (namespace && scenario.counter) {
      // Fresh sessions: every counter starts at 0, so its final value is the increments it kept.
      await deleteSessions(namespace, sessions);
      sessions = await createSessions(namespace, clients);
    }
    const { result: m, cpu } = await cpuPerResponse(cpuProcesses, () => load(params.durationSeconds, 'measure'));
    const { perClient2xx, ...rest } = m;
    const measured = cpuProcesses.length > 0 ? { ...rest, cpuPerResponseUs: cpu } : rest;
    let counter: RunResult['counter'];
    if (namespace && scenario.counter) {
      report('counter check', 0, 0, m.responses);
      await sleep(SETTLE_MS);
      const kind = scenario.counter;
      const finals = await Promise.all(clients.map((c) => readCounter(namespace, kind, c)));
      // Per session (the one lost-update check, summed): a session can only lose its own
      // increments. A final above the acknowledged count is requests the server applied after the
      // generator stopped listening, not a gain that could offset another session's loss.
      const total = sumCounters(finals.map((value, i) => counterCheck(perClient2xx[i]!, perClient2xx[i]!, value)));
      counter = { acknowledged: total.acknowledged, finalValue: total.final, lostUpdates: total.lost };
    }
    return { ...measured, ...(counter ? { counter } : {}) };
  } finally {
    if (namespace) await deleteSessions(namespace, sessions);
  }
}

export async function runBenchmarks(options: RunnerOptions): Promise<RunnerOutput> {
  const scenarios = applicableScenarios(options);
  if (scenarios.length === 0) throw new Error('no scenario to run');
  const needsBaseline = scenarios.some((s) => s.target === 'baseline');
  const baseline = needsBaseline ? await startBaselineServer() : undefined;
  const pinned: ServerProcess[] = [];
  if (baseline && options.serverCpus !== undefined) {
    pinProcess(baseline.pid, options.serverCpus);
    pinned.push({ name: 'baseline', pid: baseline.pid });
  }
  let memory: MemoryRow[] = [];
  const cpuProcesses = [...(options.cpuProcesses ?? []), ...(baseline ? [{ name: 'baseline', pid: baseline.pid }] : [])];
  const runsByScenario = new Map<string, RunResult[]>(scenarios.map((s) => [s.name, []]));
  const steps = scenarios.length * options.runs;
  let step = 0;
  try {
    for (let run = 1; run <= options.runs; run++) {
      for (const scenario of scenarios) {
        step++;
        const baseUrl = baseUrlFor(scenario, options, baseline);
        const params = parametersFor(scenario, options.overrides);
        const clients = makeClients(Math.min(options.clients, params.connections), baseUrl);
        const report = (phase: Progress['phase'], elapsedSeconds: number, durationSeconds: number, responses: number, perReplica: Record<string, number> = {}): void =>
          options.onProgress?.({ run, runs: options.runs, step, steps, scenario: scenario.name, phase, elapsedSeconds, durationSeconds, responses, perReplica });
        const measured = await runOnce(scenario, baseUrl, params, clients, cpuProcesses, report);
        runsByScenario.get(scenario.name)!.push({ run, ...measured });
      }
    }
    // Read at the end of the load, while every server still holds what the run made it allocate.
    const measured = [...(options.servers ?? []), ...(baseline ? [{ name: 'baseline', pid: baseline.pid }] : [])];
    memory = measured.map((p) => ({ ...p, rssMiB: rssMiB(p.pid) }));
  } finally {
    await baseline?.stop();
  }

  const results: ScenarioResult[] = scenarios.map((scenario) => {
    const baseUrl = baseUrlFor(scenario, options, baseline);
    const params = parametersFor(scenario, options.overrides);
    const clients = makeClients(Math.min(options.clients, params.connections), baseUrl).length;
    const runs = runsByScenario.get(scenario.name)!;
    const partial = {
      name: scenario.name,
      description: scenario.description,
      method: scenario.method,
      url: `${baseUrl}${scenario.path}`,
      target: scenario.target,
      parameters: { ...params, clients, ...(scenario.session ? { session: scenario.session } : {}), ...(scenario.counter ? { counter: scenario.counter } : {}) },
      // Only nginx is known to balance; a --target may be anything, so it is not judged.
      meantToSpread: scenario.target === 'main' && options.targetKind === 'nginx' && (!scenario.session || clients > 1),
      runs,
      summary: summarise(runs),
    };
    return { ...partial, warnings: scenarioWarnings(partial) };
  });
  return {
    scenarios: results,
    ratios: computeRatios(results),
    warnings: results.flatMap((r) => r.warnings),
    memory,
    pinned,
  };
}
