import type { Logger } from 'pino';
import type { EventHub } from './event-hub';
import type { ComponentState } from './lab-types';
import type { ClusterControl } from '../cluster/control';

/**
 * Looks at every component of the cluster once per interval (pid alive, SIGSTOPped, readiness
 * probe) through the launcher's process control, and tells the pages whenever anything changed.
 * The state comes from the processes themselves, so a replica stopped from a terminal shows up
 * on the page exactly like one stopped by a button.
 */
export class ClusterWatch {
  private latest: ComponentState[] = [];
  private fingerprint = '';
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();
  private ticking = false;

  constructor(
    private readonly control: ClusterControl,
    private readonly clusterDir: string,
    private readonly hub: EventHub,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  components(): ComponentState[] {
    return this.latest;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Looks now (an action just finished) instead of waiting for the next tick. A look already in
   * flight may have started before the action, so a caller waits for it and then looks again:
   * what comes back always saw the cluster after the call was made.
   */
  async refresh(): Promise<ComponentState[]> {
    const queued = this.inFlight.then(() => this.look());
    this.inFlight = queued.catch(() => undefined);
    return queued;
  }

  private tick(): void {
    // The timer never queues looks behind a slow one: it skips a tick instead.
    if (this.ticking) return;
    this.ticking = true;
    void this.refresh().finally(() => {
      this.ticking = false;
    });
  }

  private async look(): Promise<ComponentState[]> {
    try {
      const components = await this.control.inspectCluster(this.clusterDir);
      // The role too: a Sentinel failover swaps primary and replica without any process changing.
      const fingerprint = JSON.stringify(components.map(({ name, state, ready, pid, role }) => [name, state, ready, pid, role]));
      this.latest = components;
      if (fingerprint !== this.fingerprint) {
        this.fingerprint = fingerprint;
        this.hub.publish({ type: 'cluster', at: Date.now(), components });
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not inspect the cluster');
    }
    return this.latest;
  }
}
