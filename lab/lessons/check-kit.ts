// What the checks of several lessons share: a part of a check's answer, the lab's own requests by
// family, counts by replica and by client, the last replica outage, the latest sessions created.
import type { LabHistory } from '../lab-history';
import type { CheckPart, RequestEvent, RouteFamily } from '../lab-types';

export const part = (name: string, passed: boolean, detail: string): CheckPart => ({ name, passed, detail });
export const ok = (e: RequestEvent) => e.status === 200;
/** The requests of the Request stream, sessions and races in these families (not the checks' or a lesson view's own). */
export const of = (history: LabHistory, ...families: RouteFamily[]) =>
  history.requests.filter((e) => e.purpose !== 'check' && e.purpose !== 'lesson' && families.includes(e.family));

export function replicasOf(events: RequestEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) if (e.replica) counts.set(e.replica, (counts.get(e.replica) ?? 0) + 1);
  return counts;
}

export const describe = (counts: Map<string, number>) => [...counts].map(([r, n]) => `${r} ${n}`).join(', ') || 'none';

export function byClient(events: RequestEvent[]): Map<string, RequestEvent[]> {
  const groups = new Map<string, RequestEvent[]>();
  for (const e of events) groups.set(e.client, [...(groups.get(e.client) ?? []), e]);
  return groups;
}

/** The last stop/kill of a replica and, if it came back since, when. */
export function lastReplicaOutage(history: LabHistory) {
  const down = history.actions.filter((a) => a.ok && (a.action === 'stop' || a.action === 'kill') && /^app-\d+$/.test(a.target)).at(-1);
  if (!down) return undefined;
  const back = history.actions.find((a) => a.ok && a.at > down.at && a.target === down.target && a.action === 'start');
  return { ...down, until: back?.at ?? Number.POSITIVE_INFINITY };
}

export function latestCreated(history: LabHistory, store: 'redis' | 'memory') {
  for (const snapshot of [...history.sessionReads].reverse()) {
    const created = snapshot.pairs.filter((p) => p[store]?.status === 201);
    if (created.length) return { at: snapshot.at, created };
  }
  return undefined;
}
