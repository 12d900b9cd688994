import { randomUUID } from 'node:crypto';
import type { RaceRequest, RaceResult, RaceSide, RouteFamily } from './lab-types';
import type { RequestRecorder } from './request-recorder';
import { counterCheck } from '../cluster/counter-check';
import type { Exchange, SimulatedClient } from '../cluster/simulated-client';

/**
 * The lost-update race. A fresh Redis session, then K concurrent increments of the naive counter
 * (read the session, add one, write the whole session back) and K of the atomic one (Redis
 * HINCRBY), then one read of both. Teaching note: every increment is acknowledged with 200, yet
 * the naive counter ends short — two requests read n, both write n + 1. Through /rr/ the K
 * requests also land on different replicas; the loss is there either way, because the race is
 * in the read-modify-write, not in the number of replicas.
 */
export async function runRace(client: SimulatedClient, request: RaceRequest, recorder: RequestRecorder): Promise<RaceResult> {
  const id = randomUUID();
  const rr = request.via === 'round_robin';
  const family: RouteFamily = rr ? 'rr-stateful' : 'stateful';
  const base = `${rr ? '/rr' : ''}/api/v1/stateful`;
  const agent = client.dedicatedAgent(request.k);
  const send = async (method: 'GET' | 'POST', path: string): Promise<Exchange> => {
    const exchange = await client.send({ method, path: `${base}${path}`, jar: 'race', agent });
    recorder.record(exchange, family, 'race', id);
    return exchange;
  };
  try {
    client.forget('race');
    const created = await send('POST', '/sessions');
    if (created.status !== 201) throw new Error(`could not create the race's session: ${created.status} ${created.errorCode ?? ''}`.trim());
    const replicas: Record<string, number> = {};
    const fire = async (counter: 'naive' | 'atomic'): Promise<number> => {
      const replies = await Promise.all(Array.from({ length: request.k }, () => send('POST', `/counter/${counter}`)));
      for (const r of replies) if (r.replica) replicas[r.replica] = (replicas[r.replica] ?? 0) + 1;
      return replies.filter((r) => r.status === 200).length;
    };
    const naiveAcked = await fire('naive');
    const atomicAcked = await fire('atomic');
    const final = await send('GET', '/counter');
    const values = final.json;
    const side = (acknowledged: number, value: unknown): RaceSide => counterCheck(request.k, acknowledged, typeof value === 'number' ? value : 0);
    return {
      type: 'race',
      id,
      at: Date.now(),
      k: request.k,
      client: client.id,
      naive: side(naiveAcked, values.naive),
      atomic: side(atomicAcked, values.atomic),
      replicas,
    };
  } finally {
    agent.destroy();
  }
}
