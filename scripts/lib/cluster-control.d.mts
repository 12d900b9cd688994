// Types of cluster-control.mjs, the one process control (cluster/control.ts re-exports them).

export type ComponentKind = 'replica' | 'redis' | 'sentinel' | 'postgres' | 'nginx' | 'prometheus' | 'exporter' | 'lab';

/** What may be done to a component (only ever offered for components the launcher started). */
export type ControlAction = 'stop' | 'kill' | 'pause' | 'resume' | 'start';

/** A recorded component as it is right now. */
export interface ComponentState {
  name: string;
  kind: ComponentKind;
  /** up: process alive; paused: stopped with SIGSTOP; down: no process. */
  state: 'up' | 'down' | 'paused';
  /** Its readiness probe answered (replicas: /ready 200). */
  ready: boolean;
  pid: number | null;
  url: string;
  /** Actions the control accepts for it right now. */
  actions: ControlAction[];
  /** REDIS_MODE=sentinel: what this Redis is right now; a failover swaps them. */
  role?: 'primary' | 'replica' | 'sentinel';
}

export type ControlErrorCode = 'UNKNOWN_COMPONENT' | 'ACTION_NOT_ALLOWED' | 'LAB_BUSY' | 'VALIDATION_FAILED';

export class ControlError extends Error {
  constructor(code: ControlErrorCode, message: string);
  readonly code: ControlErrorCode;
}

export const ACTIONS: readonly ControlAction[];
export function kindOf(name: string): ComponentKind;
export function allowedActions(kind: ComponentKind, state: ComponentState['state'], options?: { operator?: boolean }): ControlAction[];
export function inspectCluster(clusterDir: string): Promise<ComponentState[]>;
export function act(clusterDir: string, name: string, action: ControlAction, options?: { operator?: boolean; env?: Record<string, string> }): Promise<string>;
export function rollingRestart(clusterDir: string, options?: { onStep?: (message: string) => void }): Promise<string[]>;
export function withClusterLock<T>(clusterDir: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T>;
