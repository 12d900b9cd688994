// One scenario: sessions first, then load from every client, the fault at 2 s, a few seconds to
// settle, and the checks. Every request's outcome is kept for the report.
import { checkCounter, failureGroups, isFailure, summarizeRoutes, timeline, type TimelineSecond } from './checks';
import { attachLink } from './link-fault';
import { loadClients, runLoad, send, type Outcome } from './outcomes';
import type { FaultContext, Scenario, ScenarioFindings, Verdict } from './scenarios';
import { sumCounters } from '../cluster/counter-check';
import { SimulatedClient, type Exchange } from '../cluster/simulated-client';

export interface ScenarioRun {
  scenario: Pick<Scenario, 'name' | 'fault' | 'expectation'>;
  findings: ScenarioFindings;
  verdict: Verdict;
  timeline: TimelineSecond[];
  fault: { fromMs: number; toMs: number };
  durationMs: number;
  outcomes: Outcome[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FAULT_AT_MS = 2_000;
const SETTLE_MS = 3_000;

/**
 * Waits until nginx hands the victim a request again. A replica the scenario just restarted may
 * still be benched by nginx (max_fails=1, fail_timeout=5s: one failed connect to the old process
 * is enough), and while it is, a fault on it reaches no request — a run that proves nothing.
 */
async function awaitInRotation(base: string, victim: string, log: (m: string) => void): Promise<void> {
  const probe = new SimulatedClient(base, { id: 'rotation-probe', address: '127.0.0.1', maxSockets: 1, timeoutMs: 2_000 });
  const deadline = Date.now() + 10_000;
  try {
    for (let tries = 1; Date.now() < deadline; tries += 1) {
      const reply = await probe.get('/api/v1/stateless/info');
      if (reply.replica === victim) {
        if (tries > 3) log(`  nginx sent ${victim} a request again after ${tries} tries`);
        return;
      }
      await sleep(50);
    }
  } finally {
    probe.close();
  }
  throw new Error(`nginx sent no request to ${victim} for 10 s after it restarted: the fault would reach nothing`);
}

/** Reads with retries: right after a fault the first answers may still be 503s. */
async function readBack(client: SimulatedClient, path: string): Promise<Exchange> {
  let last = await client.send({ path, timeoutMs: 5_000 });
  for (let attempt = 1; attempt < 40 && (last.status === 0 || last.status >= 500); attempt += 1) {
    await sleep(250);
    last = await client.send({ path, timeoutMs: 5_000 });
  }
  return last;
}

export async function runScenario(base: string, scenario: Scenario, ctx: FaultContext, clientCount: number, log: (m: string) => void): Promise<ScenarioRun> {
  const clients = loadClients(clientCount, base);
  const sessions = new Map<string, string>();
  const link = scenario.link ? await attachLink(ctx, scenario.link) : undefined;
  try {
    if (link) await awaitInRotation(base, ctx.victim, log);
    await Promise.all(clients.map(async (c) => sessions.set(c.id, await createSession(c))));
    const sessionsBefore = (await Promise.all(clients.map((c) => sessionAlive(c, sessions.get(c.id))))).filter(Boolean).length;
    const startedAt = Date.now();
    const load = runLoad(clients, scenario.routes, startedAt);
    await sleep(FAULT_AT_MS);
    const fromMs = Date.now() - startedAt;
    log(`${scenario.name}: ${scenario.fault}`);
    const notes = (await scenario.inject({ ...ctx, proxy: link?.proxy, log: (m) => log(`  ${m}`) })) ?? {};
    const toMs = Date.now() - startedAt;
    await sleep(SETTLE_MS);
    await load.stop();
    const durationMs = Date.now() - startedAt;

    const checks = await Promise.all(
      clients.map(async (client) => {
        const reply = await readBack(client, '/api/v1/stateful/counter');
        const final = reply.status === 200 && typeof reply.json.atomic === 'number' ? reply.json.atomic : 0;
        return checkCounter(load.outcomes.filter((o) => o.client === client.id), final);
      }),
    );
    const sessionsAfter = (await Promise.all(clients.map((c) => sessionAlive(c, sessions.get(c.id))))).filter(Boolean).length;
    const findings: ScenarioFindings = {
      routes: summarizeRoutes(load.outcomes),
      failures: failureGroups(load.outcomes),
      counter: sumCounters(checks),
      sessionsBefore,
      sessionsAfter,
      clients: clients.length,
      victim: ctx.victim,
      victimAnsweredDuringFault: load.outcomes.filter((o) => o.replica === ctx.victim && o.t >= fromMs && o.t <= toMs).length,
      notes,
      writeRecoveryMs: writeRecovery(load.outcomes, fromMs),
    };
    return {
      scenario: { name: scenario.name, fault: scenario.fault, expectation: scenario.expectation },
      findings,
      verdict: scenario.judge(findings),
      timeline: timeline(load.outcomes),
      fault: { fromMs, toMs },
      durationMs,
      outcomes: load.outcomes,
    };
  } finally {
    for (const c of clients) c.close();
    await link?.detach();
  }
}

/** Session writes: from the fault's start to the first success after the last failure. */
function writeRecovery(outcomes: Outcome[], fromMs: number): number | null {
  const writes = outcomes.filter((o) => o.route === 'session-write').sort((a, b) => a.t - b.t);
  if (writes.length === 0) return null;
  const lastFailure = writes.findLast(isFailure);
  if (!lastFailure) return 0;
  const recovered = writes.find((o) => o.t > lastFailure.t && !isFailure(o));
  return recovered ? Math.max(0, recovered.t + recovered.latencyMs - fromMs) : Number.POSITIVE_INFINITY;
}

/** POST …/sessions from the client's own address; the client keeps the cookie for every later request. */
async function createSession(client: SimulatedClient): Promise<string> {
  const created = await client.send({ method: 'POST', path: '/api/v1/stateful/sessions', timeoutMs: 10_000 });
  if (created.status !== 201 || !created.cookie || typeof created.json.sessionId !== 'string') {
    throw new Error(`${client.id}: creating a session failed: HTTP ${created.status} ${created.errorCode ?? ''}`.trim());
  }
  return created.json.sessionId;
}

async function sessionAlive(client: SimulatedClient, sessionId: string | undefined): Promise<boolean> {
  const reply = await readBack(client, '/api/v1/stateful/sessions/current');
  return reply.status === 200 && reply.json.sessionId === sessionId;
}
