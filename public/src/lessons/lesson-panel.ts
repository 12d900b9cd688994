// A lesson's own view on the page: a panel created from its spec (public/src/lessons/index.ts
// lists them), plus what every such view needs — its endpoints under /lab/api/lessons/<slug>/,
// its events, the terminal command behind each button, and a confirmation before anything
// destructive.
import type { LabEvent, LessonEvent, PanelId } from '../../../lab/lab-types';
import { h } from '../dom';
import type { Panel, PanelContext } from '../panels/panel';

export interface LessonPanelSpec {
  /** The lesson's slug (its events and endpoints are named after it). */
  lesson: string;
  /** The panel's id: the section is #panel-<id>, its body #<id>-body. */
  id: PanelId;
  title: string;
  /** The "Predict, then watch for…" paragraph. */
  predict: string;
  create(ctx: PanelContext, body: HTMLElement): Panel;
}

/** Adds the panel's section to the page and creates its view. */
export function mountLessonPanel(spec: LessonPanelSpec, main: HTMLElement, ctx: PanelContext): Panel {
  const body = h('div', { id: `${spec.id}-body` });
  const predict = h('p', { class: 'predict' }, h('strong', {}, 'Predict, then watch for… '), spec.predict);
  main.append(h('section', { class: 'panel', id: `panel-${spec.id}`, 'aria-labelledby': `h-${spec.id}` }, h('h2', { id: `h-${spec.id}` }, spec.title), predict, body));
  return spec.create(ctx, body);
}

/** The lesson's own events, for its panel's `event` handler. */
export function lessonEvent<T>(event: LabEvent, lesson: string, kind?: string): LessonEvent<T> | undefined {
  if (event.type !== 'lesson' || event.lesson !== lesson || (kind !== undefined && event.kind !== kind)) return undefined;
  return event as LessonEvent<T>;
}

/** `/lab/api/lessons/<slug><path>`: a lesson's endpoint, for ctx.api.get / post. */
export function lessonPath(lesson: string, path: string): string {
  return `/lessons/${lesson}${path}`;
}

/** A button with the terminal command that does the same beside it: the page never hides how. */
export function withCommand(button: HTMLButtonElement, command: string): HTMLSpanElement {
  return h('span', { class: 'with-command' }, button, ' ', h('code', { class: 'command', title: 'the same from a terminal' }, command));
}

/** Destructive steps say what they will do and ask first. */
export function confirmFirst(what: string): boolean {
  return window.confirm(`${what}\n\nGo ahead?`);
}
