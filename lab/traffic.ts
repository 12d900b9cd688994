import { randomUUID } from 'node:crypto';
import { FAMILY_JAR, FAMILY_PATH, FAMILY_POLICY, type TrafficRequest, type TrafficRun } from './lab-types';
import type { RequestRecorder } from './request-recorder';
import type { SimulatedClient } from '../cluster/simulated-client';

/**
 * Paced traffic from the virtual clients through nginx: `count` requests at `rate` per second,
 * handed to the chosen clients in turn. Requests are not awaited before the next is sent, so a
 * slow (or paused) replica shows up as latency and least_conn steering, not as a stalled run.
 */
export class TrafficRunner {
  private readonly running = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly clients: SimulatedClient[],
    private readonly recorder: RequestRecorder,
  ) {}

  /** Clients a run uses when the request names none: every student for ip_hash, else the first. */
  defaultClients(request: TrafficRequest): string[] {
    if (FAMILY_POLICY[request.family] === 'ip_hash') return this.clients.map((c) => c.id);
    return [this.clients[0]!.id];
  }

  start(request: TrafficRequest): TrafficRun {
    const ids = request.clients?.length ? request.clients : this.defaultClients(request);
    const chosen = ids.map((id) => this.clients.find((c) => c.id === id)!);
    const runId = randomUUID();
    const path = FAMILY_PATH[request.family];
    const jar = FAMILY_JAR[request.family];
    let sent = 0;
    const interval = Math.max(5, Math.round(1000 / request.rate));
    const timer = setInterval(() => {
      if (sent >= request.count) {
        this.finish(runId);
        return;
      }
      const client = chosen[sent % chosen.length]!;
      sent += 1;
      void client.send({ path, jar }).then((exchange) => this.recorder.record(exchange, request.family, 'traffic', runId));
    }, interval);
    this.running.set(runId, timer);
    return { runId, family: request.family, count: request.count, rate: request.rate, clients: ids };
  }

  /** Stops every run; requests already sent still complete and are recorded. */
  stopAll(): number {
    const stopped = this.running.size;
    for (const id of [...this.running.keys()]) this.finish(id);
    return stopped;
  }

  private finish(runId: string): void {
    clearInterval(this.running.get(runId));
    this.running.delete(runId);
  }
}
