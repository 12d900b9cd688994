import type { EventHub } from './event-hub';
import type { LabHistory } from './lab-history';
import { FAMILY_POLICY, type RequestEvent, type RequestPurpose, type RouteFamily } from './lab-types';
import type { Exchange } from '../cluster/simulated-client';

/** Turns each exchange a virtual client made into a numbered event: kept for the checks, streamed to the page. */
export class RequestRecorder {
  private seq = 0;

  constructor(
    private readonly hub: EventHub,
    private readonly history: LabHistory,
  ) {}

  record(exchange: Exchange, family: RouteFamily, purpose: RequestPurpose, runId: string | null, lesson: string | null = null): RequestEvent {
    const event: RequestEvent = {
      type: 'request',
      seq: ++this.seq,
      at: exchange.at,
      client: exchange.client,
      method: exchange.method,
      path: exchange.path,
      status: exchange.status,
      replica: exchange.replica,
      upstream: exchange.upstream,
      retried: exchange.retried,
      requestId: exchange.requestId,
      errorCode: exchange.errorCode,
      latencyMs: Math.round(exchange.latencyMs * 10) / 10,
      family,
      policy: FAMILY_POLICY[family],
      purpose,
      runId,
      lesson,
      cacheStatus: typeof exchange.headers['x-cache-status'] === 'string' ? exchange.headers['x-cache-status'] : null,
    };
    this.history.recordRequest(event);
    this.hub.publish(event);
    return event;
  }
}
