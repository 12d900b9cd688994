import type { EventHub } from './event-hub';
import type { LabHistory } from './lab-history';
import type { RouteFamily, SessionObservation, SessionPair } from './lab-types';
import type { RequestRecorder } from './request-recorder';
import type { Exchange, SimulatedClient } from '../cluster/simulated-client';

const STORES = [
  { store: 'redis', family: 'stateful', base: '/api/v1/stateful', jar: 'redis' },
  { store: 'memory', family: 'local', base: '/api/v1/local', jar: 'memory' },
] as const satisfies readonly { store: SessionObservation['store']; family: RouteFamily; base: string; jar: string }[];

/**
 * Sessions side by side: every chosen client holds one session in Redis and one in its
 * replica's memory, both through ip_hash. Teaching note: the two routes run the same code
 * (src/features/stateful/stateful.routes.ts, mounted twice); only the store differs — so when
 * the replica that holds them dies, whatever differs afterwards is the store's doing.
 */
export class SessionLab {
  private readonly pairs = new Map<string, SessionPair>();

  constructor(
    private readonly clients: SimulatedClient[],
    private readonly recorder: RequestRecorder,
    private readonly hub: EventHub,
    private readonly history: LabHistory,
  ) {}

  current(): SessionPair[] {
    return [...this.pairs.values()];
  }

  async create(ids: string[]): Promise<SessionPair[]> {
    return this.each(ids, 'POST', '/sessions');
  }

  async read(ids: string[]): Promise<SessionPair[]> {
    return this.each(ids, 'GET', '/sessions/current');
  }

  clear(): void {
    this.pairs.clear();
  }

  private async each(ids: string[], method: 'GET' | 'POST', suffix: string): Promise<SessionPair[]> {
    const chosen = this.clients.filter((c) => ids.includes(c.id));
    const pairs = await Promise.all(
      chosen.map(async (client) => {
        const [redis, memory] = await Promise.all(
          STORES.map(async ({ store, family, base, jar }) => {
            const exchange = await client.send({ method, path: `${base}${suffix}`, jar });
            this.recorder.record(exchange, family, 'session', null);
            return observe(store, exchange, this.pairs.get(client.id)?.[store] ?? null);
          }),
        );
        const pair: SessionPair = { client: client.id, redis: redis!, memory: memory! };
        this.pairs.set(client.id, pair);
        return pair;
      }),
    );
    const at = Date.now();
    this.history.recordSessions({ at, pairs });
    this.hub.publish({ type: 'sessions', at, sessions: this.current() });
    return pairs;
  }
}

function observe(store: SessionObservation['store'], exchange: Exchange, before: SessionObservation | null): SessionObservation {
  const body = exchange.json;
  const found = exchange.status === 200 || exchange.status === 201;
  return {
    store,
    sessionId: found && typeof body.sessionId === 'string' ? body.sessionId : null,
    // Who created it is the session's own record; after a loss, the last known creator is kept
    // so the page can say which replica took the session with it.
    createdBy: found && typeof body.createdBy === 'string' ? body.createdBy : (before?.createdBy ?? null),
    servedBy: exchange.replica,
    messageCount: found && typeof body.messageCount === 'number' ? body.messageCount : found ? 0 : null,
    status: exchange.status,
    errorCode: exchange.errorCode,
    at: exchange.at,
  };
}
