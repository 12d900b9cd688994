import type { LabHistory } from './lab-history';
import type { CheckPart, ComponentState, LabCheckReport, RequestEvent, RouteFamily } from './lab-types';
import { WORKSHEETS } from './worksheets';

/** What a check may look at: the history since the last reset and the cluster right now. Nothing else. */
export interface CheckInput {
  history: LabHistory;
  components: ComponentState[];
}

type Check = (input: CheckInput) => CheckPart[];

const part = (name: string, passed: boolean, detail: string): CheckPart => ({ name, passed, detail });
const ok = (e: RequestEvent) => e.status === 200;
const of = (history: LabHistory, ...families: RouteFamily[]) => history.requests.filter((e) => e.purpose !== 'check' && families.includes(e.family));

function replicasOf(events: RequestEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) if (e.replica) counts.set(e.replica, (counts.get(e.replica) ?? 0) + 1);
  return counts;
}

const describe = (counts: Map<string, number>) => [...counts].map(([r, n]) => `${r} ${n}`).join(', ') || 'none';

function byClient(events: RequestEvent[]): Map<string, RequestEvent[]> {
  const groups = new Map<string, RequestEvent[]>();
  for (const e of events) groups.set(e.client, [...(groups.get(e.client) ?? []), e]);
  return groups;
}

/** The last stop/kill of a replica and, if it came back since, when. */
function lastReplicaOutage(history: LabHistory) {
  const down = history.actions.filter((a) => a.ok && (a.action === 'stop' || a.action === 'kill') && /^app-\d+$/.test(a.target)).at(-1);
  if (!down) return undefined;
  const back = history.actions.find((a) => a.ok && a.at > down.at && a.target === down.target && a.action === 'start');
  return { ...down, until: back?.at ?? Number.POSITIVE_INFINITY };
}

function latestCreated(history: LabHistory, store: 'redis' | 'memory') {
  for (const snapshot of [...history.sessionReads].reverse()) {
    const created = snapshot.pairs.filter((p) => p[store]?.status === 201);
    if (created.length) return { at: snapshot.at, created };
  }
  return undefined;
}

export const CHECKS: Record<string, Check> = {
  'stateless-spread': ({ history }) => {
    const answered = of(history, 'stateless').filter(ok);
    const replicas = replicasOf(answered);
    return [
      part('enough stateless requests', answered.length >= 30, `${answered.length} stateless requests answered 200 (need 30)${answered.length >= 30 ? '' : ' — send them from the Request stream'}`),
      part('several replicas answered', replicas.size >= 2, `replicas that answered: ${describe(replicas)} (need at least 2)`),
    ];
  },
  'single-client-sticky': ({ history }) => {
    const sticky = [...byClient(of(history, 'stateful', 'local'))].map(([client, events]) => ({ client, events: events.slice(-20) }));
    const best = sticky.filter((c) => c.events.length >= 10).find((c) => replicasOf(c.events).size === 1);
    return [
      part(
        'one client, one replica',
        Boolean(best),
        best
          ? `${best.client}: ${best.events.length} ip_hash requests, all answered by ${best.events[0]?.replica}`
          : 'no client has 10 ip_hash requests answered by one replica yet — send 20 stateful requests from one client',
      ),
    ];
  },
  'clients-pinned': ({ history }) => {
    const clients = [...byClient(of(history, 'stateful', 'local'))].map(([client, events]) => ({ client, last: events.slice(-10) }));
    const enough = clients.filter((c) => c.last.length >= 3);
    const wandering = enough.filter((c) => replicasOf(c.last).size > 1);
    const used = new Set(enough.map((c) => c.last.at(-1)?.replica).filter(Boolean));
    return [
      part('several clients', enough.length >= 4, `${enough.length} clients made at least 3 ip_hash requests (need 4)`),
      part(
        'each client pinned',
        enough.length > 0 && wandering.length === 0,
        wandering.length
          ? `answered by more than one replica: ${wandering.map((c) => `${c.client} (${describe(replicasOf(c.last))})`).join('; ')} — a stopped replica re-maps its clients; reset and send again`
          : `every client's last requests came from one replica`,
      ),
      part('the class is spread', used.size >= 2, `replicas serving the clients: ${[...used].join(', ') || 'none'} (need at least 2)`),
    ];
  },
  'rr-unpinned': ({ history }) => {
    const clients = [...byClient(of(history, 'rr-stateful', 'rr-local', 'rr-stateless'))].filter(([, e]) => e.length >= 3);
    const spread = clients.filter(([, events]) => replicasOf(events).size >= 2);
    return [
      part(
        'a client meets several replicas',
        spread.length > 0,
        spread.length
          ? `${spread.map(([c, e]) => `${c}: ${describe(replicasOf(e))}`).join('; ')}`
          : 'no client with 3+ round-robin requests met 2 replicas yet — send /rr/ traffic',
      ),
    ];
  },
  'memory-sessions-created': ({ history }) => {
    const latest = latestCreated(history, 'memory');
    return [part('memory sessions exist', Boolean(latest), latest ? `${latest.created.length} clients hold a memory session` : 'no memory session created yet — press Create sessions')];
  },
  'redis-sessions-created': ({ history }) => {
    const latest = latestCreated(history, 'redis');
    return [part('Redis sessions exist', Boolean(latest), latest ? `${latest.created.length} clients hold a Redis session` : 'no Redis session created yet — press Create sessions')];
  },
  'memory-lost-without-affinity': ({ history }) => {
    const reads = of(history, 'rr-local');
    const lost = reads.filter((e) => e.status === 401 && e.errorCode === 'NO_SESSION');
    return [
      part('memory sessions read through /rr/', reads.length >= 6, `${reads.length} reads of /rr/api/v1/local/sessions/current (need 6)`),
      part(
        'other replicas do not know the session',
        lost.length > 0,
        lost.length ? `${lost.length} answered 401 NO_SESSION, by ${describe(replicasOf(lost))}` : 'no read answered NO_SESSION yet — create sessions first, then read through /rr/',
      ),
    ];
  },
  'session-replica-killed': ({ history }) => {
    const created = latestCreated(history, 'redis');
    const creators = new Set(created?.created.map((p) => p.redis?.createdBy));
    const hit = history.actions.find((a) => a.ok && (a.action === 'kill' || a.action === 'stop') && creators.has(a.target) && a.at > (created?.at ?? Infinity));
    return [
      part(
        'the session holder stopped',
        Boolean(hit),
        hit ? `${hit.action} ${hit.target}, which created a client's sessions` : `no stop/kill of a replica holding sessions (${[...creators].join(', ') || 'create sessions first'}) after they were created`,
      ),
    ];
  },
  'redis-session-survived': ({ history }) => {
    const created = latestCreated(history, 'redis');
    const creators = new Set(created?.created.map((p) => p.redis?.createdBy));
    const hit = history.actions.filter((a) => a.ok && (a.action === 'kill' || a.action === 'stop') && creators.has(a.target) && a.at > (created?.at ?? Infinity)).at(-1);
    const victims = created?.created.filter((p) => p.redis?.createdBy === hit?.target) ?? [];
    const back = history.actions.find((a) => a.ok && hit && a.at > hit.at && a.target === hit.target && a.action === 'start')?.at ?? Infinity;
    const reads = history.sessionReads.filter((s) => hit && s.at > hit.at && s.at < back).flatMap((s) => s.pairs);
    const mine = reads.filter((p) => victims.some((v) => v.client === p.client));
    const survived = mine.find((p) => {
      const before = victims.find((v) => v.client === p.client)?.redis;
      return p.redis?.status === 200 && p.redis.sessionId === before?.sessionId && p.redis.servedBy !== hit?.target;
    });
    const lost = mine.find((p) => p.memory?.status === 401);
    return [
      part('sessions read while the holder was down', mine.length > 0, hit ? `${mine.length} reads of ${victims.map((v) => v.client).join(', ')} while ${hit.target} was down` : 'stop or kill the replica holding the sessions first'),
      part(
        'Redis session survived',
        Boolean(survived),
        survived ? `${survived.client}: same session ${survived.redis?.sessionId?.slice(0, 8)}…, served by ${survived.redis?.servedBy}` : 'no read found the same Redis session on another replica',
      ),
      part('memory session gone', Boolean(lost), lost ? `${lost.client}: memory session answered 401 NO_SESSION` : 'no read showed the memory session lost'),
    ];
  },
  'replica-stopped': ({ history }) => {
    const outage = lastReplicaOutage(history);
    return [part('a replica was stopped', Boolean(outage), outage ? `${outage.action} ${outage.target}` : 'no replica stopped or killed since the last reset — use the Cluster panel')];
  },
  'no-errors-while-down': ({ history }) => {
    const outage = lastReplicaOutage(history);
    // Requests that started after the replica was gone and before it was started again.
    const during = outage ? of(history, 'stateless').filter((e) => e.at > outage.at && e.at < outage.until) : [];
    const failed = during.filter((e) => !ok(e));
    const retried = during.filter((e) => e.retried).length;
    return [
      part('traffic while a replica was down', during.length >= 20, outage ? `${during.length} stateless requests while ${outage.target} was down (need 20)` : 'stop a replica first'),
      part('no errors', during.length > 0 && failed.length === 0, failed.length ? `${failed.length} failed: ${failed.slice(0, 3).map((e) => `${e.status} ${e.errorCode ?? ''}`).join(', ')}` : `all answered 200; ${retried} were retried on another replica`),
    ];
  },
  'replicas-ready': ({ components }) => {
    const replicas = components.filter((c) => c.kind === 'replica');
    const notReady = replicas.filter((c) => !c.ready);
    return [part('every replica ready', replicas.length > 0 && notReady.length === 0, notReady.length ? `not ready: ${notReady.map((c) => `${c.name} (${c.state})`).join(', ')}` : `${replicas.length} replicas ready`)];
  },
  'race-lost-updates': ({ history }) => raceParts(history.races.filter((r) => r.k >= 50)),
  'race-over-replicas': ({ history }) => {
    const spread = history.races.filter((r) => r.k >= 50 && Object.keys(r.replicas).length >= 2);
    return [
      part('a race over several replicas', spread.length > 0, spread.length ? `${Object.keys(spread.at(-1)!.replicas).join(', ')} answered` : 'no race with K ≥ 50 answered by 2+ replicas — choose round robin'),
      ...raceParts(spread),
    ];
  },
};

function raceParts(races: LabHistory['races']): CheckPart[] {
  const last = races.at(-1);
  if (!last) return [part('a race with K ≥ 50', false, 'no race with K ≥ 50 since the last reset — fire one in The race')];
  return [
    part('naive counter lost updates', last.naive.lost > 0, `naive: ${last.naive.acknowledged} acknowledged, final ${last.naive.final}, lost ${last.naive.lost}${last.naive.lost ? '' : ' — fire again, or with a larger K'}`),
    part('atomic counter exact', last.atomic.lost === 0 && last.atomic.final === last.atomic.acknowledged, `atomic: ${last.atomic.acknowledged} acknowledged, final ${last.atomic.final}`),
  ];
}

/** Runs every step's check of one worksheet. Read-only and idempotent: it only reads `input`. */
export function checkLab(id: number, input: CheckInput): LabCheckReport | undefined {
  const sheet = WORKSHEETS.find((w) => w.id === id);
  if (!sheet) return undefined;
  const started = Date.now();
  const steps = sheet.steps.map((step) => {
    const parts = CHECKS[step.check]?.(input) ?? [part('check exists', false, `no check named ${step.check}`)];
    return { step: step.id, title: step.title, passed: parts.every((p) => p.passed), parts };
  });
  return { lab: sheet.id, title: sheet.title, passed: steps.every((s) => s.passed), steps, checkedAt: Date.now(), durationMs: Date.now() - started };
}
