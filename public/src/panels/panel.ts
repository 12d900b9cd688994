// What every panel gets from main.ts, and what it gives back.
import type { LabApi } from '../api';
import type { LabAction, LabEvent, LabState } from '../../../lab/lab-types';
import type { ReplicaColours } from '../palette';

export interface PanelContext {
  api: LabApi;
  colours: ReplicaColours;
  /** The last full state (from `hello`, kept current with cluster/sessions/race events). */
  state(): LabState | null;
  /** A short message in the page's status line; errors are announced to screen readers. */
  notify(message: string, kind?: 'info' | 'error'): void;
}

export interface Panel {
  /** A new event-stream connection: redraw from the whole state. */
  hello(state: LabState): void;
  event(event: LabEvent): void;
}

/** The shell command that does what a chaos button would, for a page that may not act. */
export function commandFor(state: LabState, action: LabAction | 'rolling-restart', target?: string): string {
  const command = state.commands[action] ?? '';
  return target ? command.replaceAll('<component>', target) : command;
}

/** Changes when any component's state, readiness, pid or allowed actions change. */
export function componentsKey(state: LabState): string {
  return state.components.map((c) => `${c.name}:${c.state}:${c.ready}:${c.pid}:${c.role ?? ''}:${c.actions.join('+')}`).join(' ');
}
