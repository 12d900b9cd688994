// The faults, each with the expectation it must meet. The faults are carried out by the
// launcher's own process control (scripts/lib/cluster-control.mjs) — the same code behind
// `npm run cluster -- kill app-2` and the lab page's buttons.
import type { FailureGroup, RouteSummary } from './checks';
import type { FaultMode, FaultProxy } from './fault-proxy';
import type { Link } from './link-fault';
import type { Route } from './outcomes';
import type { ClusterControl, ComponentState } from '../cluster/control';
import type { CounterCheck } from '../cluster/counter-check';

export interface FaultContext {
  control: ClusterControl;
  clusterDir: string;
  /** The replica the faults aim at (app-2 by default). */
  victim: string;
  log: (message: string) => void;
  /** The fault proxy on the victim's link, for scenarios that name a `link`. */
  proxy?: FaultProxy;
}

/** What an injection observed on the way, e.g. how long a failover took; shown in the report. */
export type FaultNotes = Record<string, number | string>;

export interface ScenarioFindings {
  routes: RouteSummary[];
  /** Every failure, by route, answering replica and error. */
  failures: FailureGroup[];
  counter: CounterCheck;
  sessionsBefore: number;
  sessionsAfter: number;
  /** How many load clients ran, and which replica the fault aimed at. */
  clients: number;
  victim: string;
  /** Requests the victim answered while the fault was on (sent during it, answered at any time). */
  victimAnsweredDuringFault: number;
  notes: FaultNotes;
  /**
   * Session writes: milliseconds from the fault's start to the first one answered 200 after the
   * last failed one (0 when none failed); null when the scenario makes no session writes.
   */
  writeRecoveryMs: number | null;
}

export interface Verdict {
  held: boolean;
  reasons: string[];
}

export interface Scenario {
  name: string;
  fault: string;
  expectation: string;
  routes: Route[];
  /** Put the fault proxy between the victim and this dependency for the run (link-fault.ts). */
  link?: Link;
  /** Why this cluster cannot run the scenario (e.g. it needs REDIS_MODE=sentinel), or undefined. */
  unsupported?(components: ComponentState[]): string | undefined;
  inject(ctx: FaultContext): Promise<FaultNotes | void>;
  judge(findings: ScenarioFindings): Verdict;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes a component down (`how`), keeps it down for `ms`, then starts it again. */
async function outage(ctx: FaultContext, name: string, how: 'kill' | 'stop', ms: number): Promise<void> {
  await ctx.control.act(ctx.clusterDir, name, how);
  await sleep(ms);
  await ctx.control.act(ctx.clusterDir, name, 'start');
}
const route = (f: ScenarioFindings, r: Route) => f.routes.find((x) => x.route === r);

const LOOK_TIMEOUT_MS = 5_000;

/**
 * Looks at the cluster until `found` picks a component, for at most `timeoutMs`; undefined when
 * none came. Every look has its own bound, so one probe that never answers cannot stall the
 * scenario, and every 5 s the wait logs the Redis roles it saw: a run cut off from outside still
 * says how far it got and what the cluster looked like then.
 */
async function watchRoles(
  { control, clusterDir, log }: Pick<FaultContext, 'control' | 'clusterDir' | 'log'>,
  what: string,
  timeoutMs: number,
  found: (components: ComponentState[]) => ComponentState | undefined,
): Promise<ComponentState | undefined> {
  const started = Date.now();
  let nextReport = started + 5_000;
  let seen = 'nothing yet';
  while (Date.now() - started < timeoutMs) {
    let timer: NodeJS.Timeout | undefined;
    const look = await Promise.race([
      control.inspectCluster(clusterDir),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), LOOK_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (look) {
      const hit = found(look);
      if (hit) return hit;
      seen = look
        .filter((c) => c.kind === 'redis' || c.kind === 'sentinel')
        .map((c) => `${c.name} ${c.role ?? (c.ready ? 'ready' : c.state === 'up' ? 'not answering' : c.state)}`)
        .join(', ');
    } else {
      log(`a look at the cluster took over ${LOOK_TIMEOUT_MS / 1000} s; looking again`);
    }
    if (Date.now() >= nextReport) {
      log(`still waiting for ${what} (${((Date.now() - started) / 1000).toFixed(0)} s): ${seen}`);
      nextReport += 5_000;
    }
    await sleep(100);
  }
  log(`gave up waiting for ${what} after ${timeoutMs / 1000} s: ${seen}`);
  return undefined;
}

/** Collects the expectation's clauses; the verdict holds when every clause does. */
function clauses(list: [boolean, string][]): Verdict {
  return { held: list.every(([ok]) => ok), reasons: list.filter(([ok]) => !ok).map(([, why]) => why) };
}

const noLoss = (f: ScenarioFindings): [boolean, string][] => [
  [f.counter.lost === 0, `${f.counter.lost} acknowledged increments lost`],
  [f.counter.duplicated === 0, `${f.counter.duplicated} increments duplicated`],
  [f.sessionsAfter === f.sessionsBefore, `sessions ${f.sessionsBefore} before, ${f.sessionsAfter} after`],
];

const noFailures = (f: ScenarioFindings, routes: Route[]): [boolean, string][] =>
  routes.map((r) => [route(f, r)?.failed === 0, `${route(f, r)?.failed} of ${route(f, r)?.requests} ${r} requests failed (${JSON.stringify(route(f, r)?.errors)})`]);

export const SCENARIOS: Scenario[] = [
  {
    name: 'rolling-restart',
    fault: 'every replica stopped (SIGTERM) and started again in turn',
    expectation:
      'no GET and no keyed POST fails; an unkeyed POST may rarely meet the keep-alive race (a connection closed as nginx reuses it) and is then reported, never retried; nothing lost or duplicated',
    routes: ['stateless', 'session-read', 'counter-atomic', 'counter-keyed'],
    inject: async ({ control, clusterDir, log }) => {
      await control.rollingRestart(clusterDir, { onStep: log });
    },
    judge: (f) => clauses([...noFailures(f, ['stateless', 'session-read', 'counter-keyed']), ...noLoss(f)]),
  },
  {
    name: 'sigkill-replica',
    fault: 'one replica killed with SIGKILL under load, started again 3 s later',
    expectation:
      'GETs never fail (nginx retries them); keyed POSTs never fail with a 5xx (nginx re-sends them; one cut off mid-flight answers 409 until its lease ends); unkeyed POSTs cut off fail and are reported as ambiguous; nothing acknowledged is lost, nothing duplicated',
    routes: ['stateless', 'session-read', 'counter-atomic', 'counter-keyed'],
    inject: (ctx) => outage(ctx, ctx.victim, 'kill', 3_000),
    judge: (f) => clauses([...noFailures(f, ['stateless', 'session-read', 'counter-keyed']), ...noLoss(f)]),
  },
  {
    name: 'sigstop-replica',
    fault: 'one replica paused with SIGSTOP for 4 s (a hang, not a crash), then resumed',
    expectation:
      'requests to the paused replica wait (proxy_read_timeout 30 s > 4 s) and finish late; none fails — not even one the replica was in the middle of when it froze, whose Redis answer waited in the socket; nothing lost',
    routes: ['stateless', 'session-read', 'counter-atomic'],
    inject: async ({ control, clusterDir, victim }) => {
      await control.act(clusterDir, victim, 'pause');
      await sleep(4_000);
      await control.act(clusterDir, victim, 'resume');
    },
    // Teaching note: a frozen process's clocks keep running. A Redis command sent just before
    // SIGSTOP has its answer waiting in the socket on SIGCONT, and the event loop runs expired
    // timers before it reads sockets. A plain timer would fail that request with a 503 though
    // Redis answered in time; the guard's timeout waits one turn of the loop before it gives its
    // verdict (src/infra/dependency-guard.ts), so the waiting answer wins.
    judge: (f) => clauses([...noFailures(f, ['stateless', 'session-read', 'counter-atomic']), ...noLoss(f)]),
  },
  {
    name: 'redis-kill',
    fault: 'the private Redis killed with SIGKILL, started again 2 s later',
    expectation: 'stateless requests never fail; stateful ones fail fast (503 within 2 s, never a hang) while Redis is gone; every session survives the restart',
    routes: ['stateless', 'session-read', 'counter-atomic'],
    inject: (ctx) => outage(ctx, 'redis', 'kill', 2_000),
    judge: (f) =>
      clauses([
        ...noFailures(f, ['stateless']),
        [(route(f, 'session-read')?.maxFailedLatencyMs ?? 0) < 2_000, `a failed session read took ${route(f, 'session-read')?.maxFailedLatencyMs} ms`],
        [f.sessionsAfter === f.sessionsBefore, `sessions ${f.sessionsBefore} before, ${f.sessionsAfter} after the Redis restart`],
      ]),
  },
  {
    name: 'redis-failover',
    fault: 'REDIS_MODE=sentinel: the Redis primary killed with SIGKILL; the Sentinels promote the replica; the old primary started again 6 s later',
    expectation:
      'stateless requests never fail; stateful ones fail fast (503 within 2 s, never a hang) until the replicas reach the promoted primary, within 10 s; every session survives; the old primary rejoins as a replica. Increments acknowledged in the last instant before the kill may be lost: replication is asynchronous (reported, not hidden)',
    routes: ['stateless', 'session-read', 'session-write', 'counter-atomic'],
    unsupported: (components) =>
      components.some((c) => c.kind === 'sentinel') ? undefined : 'needs REDIS_MODE=sentinel (REDIS_MODE=sentinel npm run cluster -- up)',
    inject: async ({ control, clusterDir, log }) => {
      const primary = (await control.inspectCluster(clusterDir)).find((c) => c.role === 'primary');
      if (!primary) throw new Error('no Redis is primary right now: wait for the Sentinels, then try again');
      const killedAt = Date.now();
      await control.act(clusterDir, primary.name, 'kill');
      log(`${primary.name} killed (SIGKILL); waiting for the Sentinels to promote a replica`);
      const promoted = await watchRoles({ control, clusterDir, log }, 'the Sentinels to promote a replica', 30_000, (cs) =>
        cs.find((c) => c.role === 'primary' && c.name !== primary.name),
      );
      if (!promoted) throw new Error(`no replica was promoted within 30 s of killing ${primary.name}: see the Sentinels' logs`);
      const promotedAfterMs = Date.now() - killedAt;
      log(`${primary.name} killed; ${promoted.name} promoted after ${(promotedAfterMs / 1000).toFixed(1)} s`);
      await sleep(Math.max(0, 6_000 - promotedAfterMs));
      log(`starting ${primary.name} again`);
      await control.act(clusterDir, primary.name, 'start');
      log(`${primary.name} is up; waiting for it to rejoin as a replica`);
      // Sentinel turns the returning primary into a replica only on its next look at it: 10 s
      // after the restart on an idle machine (measured), longer on a busy one.
      const rejoined = await watchRoles({ control, clusterDir, log }, `${primary.name} to rejoin as a replica`, 30_000, (cs) =>
        cs.find((c) => c.name === primary.name && c.role === 'replica'),
      );
      log(rejoined ? `${primary.name} started again and rejoined as a replica of ${promoted.name}` : `${primary.name} started again but is not a replica yet`);
      return { killed: primary.name, promoted: promoted.name, promotedAfterMs, oldPrimaryRejoined: rejoined ? 'yes' : 'no' };
    },
    judge: (f) =>
      clauses([
        ...noFailures(f, ['stateless']),
        ...(['session-read', 'session-write', 'counter-atomic'] as Route[]).map((r): [boolean, string] => [
          (route(f, r)?.maxFailedLatencyMs ?? 0) < 2_000,
          `a failed ${r} request took ${route(f, r)?.maxFailedLatencyMs} ms`,
        ]),
        [
          f.failures.every((g) => g.error === 'REDIS_UNAVAILABLE'),
          `failures other than 503 REDIS_UNAVAILABLE: ${JSON.stringify(f.failures.filter((g) => g.error !== 'REDIS_UNAVAILABLE'))}`,
        ],
        [f.writeRecoveryMs !== null && f.writeRecoveryMs < 10_000, `session writes came back ${f.writeRecoveryMs} ms after the kill (more than 10 s)`],
        [f.sessionsAfter === f.sessionsBefore, `sessions ${f.sessionsBefore} before, ${f.sessionsAfter} after the failover`],
        [f.notes.oldPrimaryRejoined === 'yes', `the old primary ${f.notes.killed} did not rejoin as a replica`],
        [f.counter.duplicated === 0, `${f.counter.duplicated} increments duplicated`],
      ]),
  },
  {
    name: 'postgres-down',
    fault: 'the private PostgreSQL stopped for 3 s, then started again',
    expectation: 'routes that do not use PostgreSQL never fail; the product catalogue fails fast (503 DATABASE_UNAVAILABLE within 2 s, also while PostgreSQL is still starting up) and recovers; nothing lost',
    routes: ['stateless', 'session-read', 'counter-atomic', 'products'],
    inject: (ctx) => outage(ctx, 'postgres', 'stop', 3_000),
    judge: (f) =>
      clauses([
        ...noFailures(f, ['stateless', 'session-read', 'counter-atomic']),
        [(route(f, 'products')?.maxFailedLatencyMs ?? 0) < 2_000, `a failed products read took ${route(f, 'products')?.maxFailedLatencyMs} ms`],
        [
          Object.keys(route(f, 'products')?.errors ?? {}).every((code) => code === 'DATABASE_UNAVAILABLE'),
          `the catalogue failed with ${JSON.stringify(route(f, 'products')?.errors)}: only 503 DATABASE_UNAVAILABLE says what happened`,
        ],
        [route(f, 'products')?.lastStatus === 200, `the product catalogue had not recovered by the end (last answer ${route(f, 'products')?.lastStatus})`],
        ...noLoss(f),
      ]),
  },
  linkScenario({
    name: 'redis-latency',
    link: 'redis',
    mode: { kind: 'latency', ms: 1_500 },
    fault: "1.5 s of latency, both ways, on one replica's link to Redis for 4 s (the fault proxy)",
    code: 'REDIS_UNAVAILABLE',
    lesson: 'a timeout is not a failure of the write: an increment that timed out may still land when its bytes arrive (counted as ambiguous)',
  }),
  linkScenario({
    name: 'redis-blackhole',
    link: 'redis',
    mode: { kind: 'blackhole' },
    fault: "one replica's link to Redis silent for 4 s: nothing refused, nothing answered (a partition)",
    code: 'REDIS_UNAVAILABLE',
    lesson: 'only the client\'s own timeout turns silence into a fast 503',
  }),
  linkScenario({
    name: 'redis-reset',
    link: 'redis',
    mode: { kind: 'reset' },
    fault: "every connection on one replica's link to Redis cut with a TCP RST, and every new one, for 4 s",
    code: 'REDIS_UNAVAILABLE',
    lesson: 'a reset fails at once; the client reconnects by itself once the path heals',
  }),
  linkScenario({
    name: 'postgres-latency',
    link: 'postgres',
    mode: { kind: 'latency', ms: 1_500 },
    fault: "1.5 s of latency, both ways, on one replica's link to PostgreSQL for 4 s",
    code: 'DATABASE_UNAVAILABLE',
    lesson: 'a slow database is a failed request once it is slower than the timeout',
  }),
  linkScenario({
    name: 'postgres-reset',
    link: 'postgres',
    mode: { kind: 'reset' },
    fault: "every connection on one replica's link to PostgreSQL cut with a TCP RST, and every new one, for 4 s",
    code: 'DATABASE_UNAVAILABLE',
    lesson: 'the pool drops the dead connections and opens new ones once the path heals',
  }),
  linkScenario({
    name: 'postgres-blackhole',
    link: 'postgres',
    mode: { kind: 'blackhole' },
    fault: "one replica's link to PostgreSQL silent for 4 s (a partition)",
    code: 'DATABASE_UNAVAILABLE',
    lesson: 'only the catalogue needs PostgreSQL; sessions and counters never notice',
  }),
];

/**
 * A fault on one replica's link to Redis or PostgreSQL, through the fault proxy: held for 4 s,
 * then healed. Only the victim's requests that need that dependency may fail, each fast, with
 * the dependency's 503; everything recovers; nothing acknowledged is lost.
 */
function linkScenario(spec: { name: string; link: Link; mode: FaultMode; fault: string; code: string; lesson: string }): Scenario {
  const needsLink: Route[] = spec.link === 'redis' ? ['session-read', 'counter-atomic'] : ['products'];
  return {
    name: spec.name,
    fault: spec.fault,
    expectation: `only requests on the victim that need ${spec.link === 'redis' ? 'Redis' : 'PostgreSQL'} fail, each within 2 s with 503 ${spec.code}; they recover when the link heals; no session or acknowledged increment lost — ${spec.lesson}`,
    routes: ['stateless', 'session-read', 'counter-atomic', ...(spec.link === 'postgres' ? (['products'] as Route[]) : [])],
    link: spec.link,
    // In sentinel mode the replicas find Redis through the Sentinels, not REDIS_URL.
    unsupported: (components) => (spec.link === 'redis' && components.some((c) => c.kind === 'sentinel') ? 'needs standalone Redis (REDIS_URL), not REDIS_MODE=sentinel' : undefined),
    inject: async ({ proxy, log }) => {
      if (!proxy) throw new Error(`${spec.name} needs the fault proxy`);
      const open = proxy.connections();
      proxy.setMode(spec.mode);
      log(`${spec.mode.kind} on; ${open} connections were open through the proxy`);
      await sleep(4_000);
      proxy.setMode({ kind: 'pass' });
      log('link healed');
    },
    judge: (f) =>
      clauses([
        ...f.failures
          .filter((g) => g.replica !== f.victim || g.error !== spec.code || !needsLink.includes(g.route))
          .map((g): [boolean, string] => [false, `${g.count} ${g.route} requests failed on ${g.replica} with ${g.error}`]),
        ...needsLink.map((r): [boolean, string] => [
          (route(f, r)?.maxFailedLatencyMs ?? 0) < 2_000,
          `a failed ${r} request took ${route(f, r)?.maxFailedLatencyMs} ms`,
        ]),
        [f.failures.length > 0, `no request failed: the fault did not reach ${f.victim}, which answered ${f.victimAnsweredDuringFault} requests sent while it was on`],
        ...needsLink.map((r): [boolean, string] => [route(f, r)?.lastStatus === 200, `${r} had not recovered by the end (last answer ${route(f, r)?.lastStatus})`]),
        ...noLoss(f),
      ]),
  };
}
