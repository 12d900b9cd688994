// Pause and replay for the request stream, kept apart from the DOM so the unit tests can drive
// it. Every event is recorded; while paused or replaying, live events wait in a backlog.
import type { RequestEvent } from '../../lab/lab-types';

export type StreamMode = 'live' | 'paused' | 'replaying';

export interface ReplayStep {
  /** Milliseconds after the replay starts. */
  delayMs: number;
  event: RequestEvent;
}

/**
 * When to draw each event of a replay: the recorded gaps, divided by `speed`, with long quiet
 * gaps (between two runs) shortened to `maxGapMs` so a replay never stalls.
 */
export function replaySchedule(events: readonly RequestEvent[], speed = 1, maxGapMs = 1_000): ReplayStep[] {
  const sorted = [...events].sort((a, b) => a.at - b.at || a.seq - b.seq);
  const steps: ReplayStep[] = [];
  let delayMs = 0;
  sorted.forEach((event, i) => {
    if (i > 0) delayMs += Math.min((event.at - sorted[i - 1]!.at) / speed, maxGapMs);
    steps.push({ delayMs, event });
  });
  return steps;
}

/**
 * Remembers the last `capacity` request events. Every reconnect's `hello` repeats the recent
 * events, so panels drop what they have already drawn. The key holds the start time too, because
 * a restarted controller counts seq from the start again.
 */
export class SeenEvents {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time an event is offered. */
  first(event: RequestEvent): boolean {
    const key = `${event.seq}@${event.at}`;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value!);
    return true;
  }
}

export class StreamRecorder {
  private recorded: RequestEvent[] = [];
  private backlog: RequestEvent[] = [];
  private readonly seen = new SeenEvents();
  mode: StreamMode = 'live';

  constructor(private readonly capacity = 5_000) {}

  /** Records an event (once) and returns what to draw now: the event when live, nothing otherwise. */
  receive(event: RequestEvent): RequestEvent[] {
    if (!this.seen.first(event)) return [];
    this.recorded.push(event);
    if (this.recorded.length > this.capacity) this.recorded.splice(0, this.recorded.length - this.capacity);
    if (this.mode === 'live') return [event];
    this.backlog.push(event);
    return [];
  }

  pause(): void {
    if (this.mode === 'live') this.mode = 'paused';
  }

  /** Back to live; returns the events that arrived meanwhile, to draw now. */
  resume(): RequestEvent[] {
    this.mode = 'live';
    const backlog = this.backlog;
    this.backlog = [];
    return backlog;
  }

  /** Starts a replay of the recorded events that match `keep`; live events wait meanwhile. */
  replay(keep: (event: RequestEvent) => boolean, speed = 1): ReplayStep[] {
    this.mode = 'replaying';
    return replaySchedule(this.drawn().filter(keep), speed);
  }

  /** The recorded events that are not waiting in the backlog (the backlog is always the newest). */
  drawn(): RequestEvent[] {
    return this.recorded.slice(0, Math.max(0, this.recorded.length - this.backlog.length));
  }

  get waiting(): number {
    return this.backlog.length;
  }
}
