import type { Response } from 'express';
import type { LabEvent } from './lab-types';

/** A browser that stops reading (a sleeping laptop) is dropped rather than buffered forever. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events to every open page. SSE rather than WebSocket: the traffic is one-way, it
 * goes through nginx as a plain HTTP response (proxy_buffering off), and EventSource reconnects
 * by itself — after which the page gets a fresh `hello` with the whole state.
 */
export class EventHub {
  private readonly subscribers = new Set<Response>();
  /** Open streams per client address, for the caps in lab-app.ts. */
  private readonly perClient = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor() {
    // A comment line every 15 s keeps idle proxies and browsers from timing the stream out.
    this.heartbeat = setInterval(() => this.writeAll(': heartbeat\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Streams `client` (an address) holds open now. */
  sizeOf(client: string): number {
    return this.perClient.get(client) ?? 0;
  }

  /** Takes over `res` as an event stream for `client`; `first` is written before any other event. */
  subscribe(res: Response, first: LabEvent, client: string): void {
    res.status(200);
    res.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // nginx would otherwise be allowed to buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    res.write(frame(first));
    this.subscribers.add(res);
    this.perClient.set(client, this.sizeOf(client) + 1);
    res.on('close', () => {
      this.subscribers.delete(res);
      const left = this.sizeOf(client) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    });
  }

  publish(event: LabEvent): void {
    this.writeAll(frame(event));
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.subscribers) res.end();
    this.subscribers.clear();
    this.perClient.clear();
  }

  private writeAll(chunk: string): void {
    for (const res of this.subscribers) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy();
        this.subscribers.delete(res);
        continue;
      }
      res.write(chunk);
    }
  }
}

function frame(event: LabEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
