import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { ClusterWatch } from './cluster-watch';
import { EventHub } from './event-hub';
import { checkLab } from './lab-checks';
import { LabHistory } from './lab-history';
import type { ActionEvent, ActionRequest, LabAction, LabCheckReport, LabState, LessonEvent, RaceRequest, RaceResult, TrafficRequest, TrafficRun } from './lab-types';
import { LESSONS } from './lessons';
import type { LessonContext, LessonRuntime } from './lessons/lesson';
import { labMetrics } from './metrics-queries';
import { runRace } from './race';
import { RequestRecorder } from './request-recorder';
import { SessionLab } from './session-lab';
import { TrafficRunner } from './traffic';
import { ACTIONS, type ClusterControl } from '../cluster/control';
import { SimulatedClient } from '../cluster/simulated-client';
import type { ClusterState } from '../cluster/state';
import { AppError } from '../src/errors/app-error';

export interface LabServiceDeps {
  control: ClusterControl;
  cluster: ClusterState;
  clusterDir: string;
  nginxUrl: string;
  prometheusUrl: string;
  clientCount: number;
  watchIntervalMs: number;
  logger: Logger;
}

const RECENT_EVENTS = 300;

const CONTROL_CODES = ['UNKNOWN_COMPONENT', 'ACTION_NOT_ALLOWED', 'LAB_BUSY', 'VALIDATION_FAILED'] as const;

function isControlError(err: unknown): err is Error & { code: (typeof CONTROL_CODES)[number] } {
  return err instanceof Error && err.name === 'ControlError' && CONTROL_CODES.includes((err as { code?: never }).code as never);
}

/** Everything the lab does, behind the HTTP layer (lab-app.ts): clients, stream, chaos, checks. */
export class LabService {
  readonly hub = new EventHub();
  readonly history = new LabHistory();
  readonly clients: SimulatedClient[];
  private readonly recorder: RequestRecorder;
  private readonly traffic: TrafficRunner;
  private readonly sessions: SessionLab;
  private readonly watch: ClusterWatch;
  /** The lesson views' controller sides, by lesson slug (only lessons that have one). */
  readonly lessons = new Map<string, LessonRuntime>();
  /**
   * Where the next fresh client's address starts: at random, so a controller restarted within a
   * rate-limit window (60 s) does not hand out an address whose window is already counted.
   */
  private freshClients = randomInt(0, 254 * 254);
  /** Lessons holding the traffic paused (a benchmark): while above 0, new traffic runs are refused. */
  private trafficPauses = 0;

  constructor(private readonly deps: LabServiceDeps) {
    this.clients = Array.from({ length: deps.clientCount }, (_, i) => SimulatedClient.numbered(i + 1, deps.nginxUrl));
    this.recorder = new RequestRecorder(this.hub, this.history);
    this.traffic = new TrafficRunner(this.clients, this.recorder);
    this.sessions = new SessionLab(this.clients, this.recorder, this.hub, this.history);
    this.watch = new ClusterWatch(deps.control, deps.clusterDir, this.hub, deps.logger, deps.watchIntervalMs);
    for (const lesson of LESSONS) {
      if (lesson.start) this.lessons.set(lesson.worksheet.slug, lesson.start(this.lessonContext(lesson.worksheet.slug)));
    }
  }

  async start(): Promise<void> {
    await this.watch.refresh();
    this.watch.start();
  }

  stop(): void {
    this.watch.stop();
    this.traffic.stopAll();
    for (const runtime of this.lessons.values()) runtime.stop?.();
    this.hub.close();
    for (const c of this.clients) c.close();
  }

  private lessonContext(slug: string): LessonContext {
    const { control, cluster, clusterDir, nginxUrl, prometheusUrl, logger } = this.deps;
    return {
      slug,
      clients: this.clients,
      client: (id) => {
        const [found] = this.clientIds([id], []);
        return this.clients.find((c) => c.id === found)!;
      },
      freshClient: () => {
        // 127.1.N.1, then 127.2.N.1, …: /24s of their own, never a virtual student's (127.0.N.1).
        const n = this.freshClients++;
        const address = `127.${1 + Math.floor(n / 254) % 254}.${(n % 254) + 1}.1`;
        return new SimulatedClient(nginxUrl, { id: `${slug}-${n + 1}`, name: `${slug} client ${n + 1}`, address });
      },
      record: (exchange, family, runId = null) => this.recorder.record(exchange, family, 'lesson', runId, slug),
      publish: <T>(kind: string, data: T, { keep = true } = {}): LessonEvent<T> => {
        const event: LessonEvent<T> = { type: 'lesson', lesson: slug, kind, at: Date.now(), data };
        if (keep) this.history.recordLessonEvent(event);
        this.hub.publish(event);
        return event;
      },
      history: this.history,
      components: () => this.watch.components(),
      act: (request) => this.act(request),
      control,
      cluster,
      clusterDir,
      nginxUrl,
      prometheusUrl,
      logger,
      stopTraffic: () => this.traffic.stopAll(),
      pauseTraffic: () => {
        this.trafficPauses += 1;
        this.traffic.stopAll();
        let resumed = false;
        return () => {
          if (!resumed) this.trafficPauses -= 1;
          resumed = true;
        };
      },
    };
  }

  state(): LabState {
    const commands = Object.fromEntries(ACTIONS.map((a) => [a, `npm run cluster -- ${a} <component>`])) as Record<LabAction, string>;
    return {
      mode: 'native',
      canAct: true,
      replicas: this.deps.cluster.topology.replicas.map((r) => ({ id: r.id, address: `${r.host}:${r.port}` })),
      clients: this.clients.map((c) => ({ id: c.id, name: c.name, address: c.address ?? '' })),
      components: this.watch.components(),
      sessions: this.sessions.current(),
      races: this.history.races.slice(-20),
      recent: this.history.recent(RECENT_EVENTS),
      commands: { ...commands, 'rolling-restart': 'npm run cluster -- restart' },
      redisMode: this.deps.cluster.topology.redisMode,
      lessons: Object.fromEntries([...this.lessons].flatMap(([slug, runtime]) => (runtime.snapshot ? [[slug, runtime.snapshot()]] : []))),
    };
  }

  clientIds(ids: string[] | undefined, fallback: string[]): string[] {
    const known = new Set(this.clients.map((c) => c.id));
    const unknown = (ids ?? []).filter((id) => !known.has(id));
    if (unknown.length) throw new AppError('VALIDATION_FAILED', `unknown client: ${unknown.join(', ')}`, { known: [...known] });
    return ids?.length ? ids : fallback;
  }

  startTraffic(request: TrafficRequest): TrafficRun {
    if (this.trafficPauses > 0) throw new AppError('TRAFFIC_PAUSED');
    const clients = this.clientIds(request.clients, this.traffic.defaultClients(request));
    return this.traffic.start({ ...request, clients });
  }

  stopTraffic(): number {
    return this.traffic.stopAll();
  }

  createSessions(ids?: string[]) {
    return this.sessions.create(this.clientIds(ids, this.clients.map((c) => c.id)));
  }

  readSessions(ids?: string[]) {
    return this.sessions.read(this.clientIds(ids, this.clients.map((c) => c.id)));
  }

  async race(request: RaceRequest): Promise<RaceResult> {
    const result = await runRace(this.clients[0]!, request, this.recorder);
    this.history.recordRace(result);
    this.hub.publish(result);
    return result;
  }

  /**
   * A chaos action, by the launcher's own process control, under the launcher's lock. The target
   * must be a component of this cluster: the name is looked up in state.json, never passed to a shell.
   */
  async act(request: ActionRequest): Promise<ActionEvent> {
    const started = Date.now();
    const { control, clusterDir } = this.deps;
    const target = request.target ?? '';
    if (request.action !== 'rolling-restart' && !this.watch.components().some((c) => c.name === target)) {
      throw new AppError('UNKNOWN_COMPONENT', `no component "${target}" in this cluster`, { known: this.watch.components().map((c) => c.name) });
    }
    let ok = true;
    let message: string;
    try {
      message =
        request.action === 'rolling-restart'
          ? (await control.withClusterLock(clusterDir, () => control.rollingRestart(clusterDir), 10_000)).join('; ')
          : await control.withClusterLock(clusterDir, () => control.act(clusterDir, target, request.action as LabAction));
    } catch (err) {
      // A refusal (unknown, not allowed now, busy) is the client's to fix: a 4xx.
      if (isControlError(err)) throw new AppError(err.code, err.message);
      // The action ran and the component failed (a start that never became ready): report it
      // as an outcome, in the stream too, rather than as a server fault.
      ok = false;
      message = err instanceof Error ? err.message : String(err);
    }
    const event: ActionEvent = { type: 'action', at: started, action: request.action, target: target || 'replicas', ok, message, durationMs: Date.now() - started };
    this.history.recordAction(event);
    this.hub.publish(event);
    await this.watch.refresh();
    return event;
  }

  metrics(windowSeconds: number) {
    return labMetrics(this.deps.prometheusUrl, windowSeconds);
  }

  check(id: number): LabCheckReport {
    const report = checkLab(id, { history: this.history, components: this.watch.components(), redisMode: this.deps.cluster.topology.redisMode });
    if (!report) throw new AppError('UNKNOWN_LAB', `no lab ${id}; the labs are ${LESSONS.map((l) => l.worksheet.id).join(', ')} (GET /lab/api/labs)`);
    return report;
  }

  reset(): void {
    this.traffic.stopAll();
    this.history.reset();
    this.sessions.clear();
    for (const runtime of this.lessons.values()) runtime.reset?.();
  }
}
