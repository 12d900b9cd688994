// One scenario: sessions first, then load from every client, the fault at 2 s, a few seconds to
// settle, and the checks. Every request's outcome is kept for the report.
import http from 'node:http';
import { checkCounter, failureGroups, isFailure, sumCounters, summarizeRoutes, timeline, type TimelineSecond } from './checks';
import { attachLink } from './link-fault';
import { loadClients, runLoad, send, type LoadClient, type Outcome } from './outcomes';
import type { FaultContext, Scenario, ScenarioFindings, Verdict } from './scenarios';

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
  const probe: LoadClient = { id: 'rotation-probe', address: '127.0.0.1', agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
  const deadline = Date.now() + 10_000;
  try {
    for (let tries = 1; Date.now() < deadline; tries += 1) {
      const reply = await send(base, probe, 'stateless', 'GET', '/api/v1/stateless/info', Date.now(), { timeoutMs: 2_000 });
      if (reply.replica === victim) {
        if (tries > 3) log(`  nginx sent ${victim} a request again after ${tries} tries`);
        return;
      }
      await sleep(50);
    }
  } finally {
    probe.agent.destroy();
  }
  throw new Error(`nginx sent no request to ${victim} for 10 s after it restarted: the fault would reach nothing`);
}

/** Reads with retries: right after a fault the first answers may still be 503s. */
async function readBack(base: string, client: LoadClient, path: string): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: '' };
  for (let attempt = 0; attempt < 40; attempt += 1) {
    last = await send(base, client, 'session-read', 'GET', path, Date.now(), { timeoutMs: 5_000 });
    if (last.status < 500 && last.status !== 0) return last;
    await sleep(250);
  }
  return last;
}

export async function runScenario(base: string, scenario: Scenario, ctx: FaultContext, clientCount: number, log: (m: string) => void): Promise<ScenarioRun> {
  const clients = loadClients(clientCount);
  const link = scenario.link ? await attachLink(ctx, scenario.link) : undefined;
  try {
    if (link) await awaitInRotation(base, ctx.victim, log);
    await Promise.all(clients.map((c) => createSessionWithCookie(base, c)));
    const sessionsBefore = (await Promise.all(clients.map((c) => sessionAlive(base, c)))).filter(Boolean).length;
    const startedAt = Date.now();
    const load = runLoad(base, clients, scenario.routes, startedAt);
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
        const reply = await readBack(base, client, '/api/v1/stateful/counter');
        const final = reply.status === 200 ? (JSON.parse(reply.body) as { atomic: number }).atomic : 0;
        return checkCounter(load.outcomes.filter((o) => o.client === client.id), final);
      }),
    );
    const sessionsAfter = (await Promise.all(clients.map((c) => sessionAlive(base, c)))).filter(Boolean).length;
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
    for (const c of clients) c.agent.destroy();
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

/** POST …/sessions from the client's own address; keeps the cookie for every later request. */
function createSessionWithCookie(base: string, client: LoadClient): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = http.request(`${base}/api/v1/stateful/sessions`, { method: 'POST', agent: client.agent, headers: { 'content-length': '0' }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
        if (res.statusCode !== 201 || !cookie) return reject(new Error(`${client.id}: creating a session failed: HTTP ${res.statusCode}`));
        client.cookie = cookie;
        client.sessionId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sessionId: string }).sessionId;
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function sessionAlive(base: string, client: LoadClient): Promise<boolean> {
  const reply = await readBack(base, client, '/api/v1/stateful/sessions/current');
  if (reply.status !== 200) return false;
  return (JSON.parse(reply.body) as { sessionId?: string }).sessionId === client.sessionId;
}

