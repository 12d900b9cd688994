// Cluster: every component's state with the chaos actions it allows (or, when the page may not
// act, the shell commands that do the same), what the actions did, and what nginx did about it.
import type { ActionEvent, ActionRequest, ComponentState, LabAction, LabEvent, LabState, RequestEvent } from '../../../lab/lab-types';
import { describeError } from '../api';
import { busy, byId, clock, fill, h } from '../dom';
import { commandFor, componentsKey, type Panel, type PanelContext } from './panel';
import { failed } from './request-dot';

const STATE_MARK: Record<ComponentState['state'], string> = { up: '● up', down: '■ down', paused: '❚❚ paused' };
const WINDOW_MS = 5 * 60_000;
/** Replicas first: they are what the lessons stop and start. */
const KIND_ORDER: ComponentState['kind'][] = ['replica', 'redis', 'sentinel', 'postgres', 'nginx', 'lab', 'prometheus', 'exporter'];

export function createClusterPanel(ctx: PanelContext): Panel {
  const body = byId('cluster-body');
  const list = h('ul', { class: 'components', id: 'cluster-components' });
  const rolling = h('button', { type: 'button', 'data-needs-token': true }, 'Rolling restart of the replicas');
  const commands = h('div', { class: 'commands' });
  const nginx = h('p', { class: 'nginx-summary', 'aria-live': 'polite' });
  const log = h('ol', { class: 'action-log', reversed: true, 'aria-live': 'polite', 'aria-label': 'chaos actions, newest first' });
  const noActions = h('p', { class: 'note' }, 'None yet.');
  fill(body, list, h('div', { class: 'controls' }, rolling), commands, nginx, h('h3', {}, 'Actions'), noActions, log);

  let recent: RequestEvent[] = [];
  let drawnKey = '';

  async function act(request: ActionRequest): Promise<void> {
    const result = await ctx.api.post<ActionEvent>('/actions', request);
    addLog(result);
    if (!result.ok) ctx.notify(`${request.action} ${request.target ?? ''}: ${result.message}`, 'error');
  }

  function actionButton(c: ComponentState, action: LabAction): HTMLButtonElement {
    const button = h('button', {
      type: 'button',
      class: action === 'kill' || action === 'stop' ? 'danger' : '',
      'data-needs-token': true,
      'data-action': action,
      'data-target': c.name,
      disabled: !ctx.api.canPost,
      'aria-label': `${action} ${c.name}`,
    }, action);
    button.addEventListener('click', () => busy(button, () => act({ action, target: c.name }), (error) => ctx.notify(describeError(error), 'error')));
    return button;
  }

  function drawComponents(state: LabState): void {
    drawnKey = componentsKey(state);
    const ordered = [...state.components].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name));
    fill(list, ...ordered.map((c) =>
      h('li', { class: `component ${c.state}`, 'data-component': c.name, 'data-state': c.state, 'data-ready': String(c.ready), 'data-pid': c.pid ?? '' },
        h('strong', {}, c.name), h('small', {}, ` ${c.kind}${c.role && c.role !== c.kind ? ` · ${c.role}` : ''}`),
        h('div', { class: 'state' }, STATE_MARK[c.state], ' · ', c.ready ? 'ready ✓' : 'not ready'),
        h('div', { class: 'meta' }, `pid ${c.pid ?? '—'}`, h('br'), h('code', {}, c.url)),
        state.canAct ? h('div', { class: 'actions' }, ...c.actions.map((a) => actionButton(c, a))) : null)));
    rolling.hidden = !state.canAct;
    rolling.disabled = !ctx.api.canPost;
    if (state.canAct) return fill(commands);
    fill(commands,
      h('p', {}, `This lab runs in ${state.mode} mode, where the page does not act on components. The same chaos from a terminal:`),
      h('dl', {}, ...Object.keys(state.commands).flatMap((action) => [
        h('dt', {}, action), h('dd', {}, h('code', { class: 'command' }, commandFor(state, action as LabAction | 'rolling-restart')))])));
  }

  function drawNginx(): void {
    const since = Date.now() - WINDOW_MS;
    recent = recent.filter((e) => e.at >= since);
    const retried = recent.filter((e) => e.retried).length;
    const gateway = recent.filter((e) => e.replica === null && e.status >= 500).length;
    const noAnswer = recent.filter((e) => e.status === 0).length;
    const replicaErrors = recent.filter((e) => e.replica !== null && failed(e)).length;
    fill(nginx,
      h('strong', {}, 'What nginx did (last 5 minutes): '),
      `${retried} request${retried === 1 ? '' : 's'} retried on another replica, ${gateway} answered by nginx itself with 502/504, `,
      `${replicaErrors} 5xx from a replica, ${noAnswer} without any answer, out of ${recent.length}. `,
      h('a', { href: '#panel-stream' }, 'See each one in the Request stream'), ' (↻ and grey squares; Show: every request includes the sessions and races).');
  }

  function addLog(a: ActionEvent): void {
    const key = `${a.at}:${a.action}:${a.target}`;
    if (log.querySelector(`[data-key="${CSS.escape(key)}"]`)) return;
    log.prepend(h('li', { 'data-key': key, class: a.ok ? 'ok' : 'failed' },
      `${clock(a.at)} ${a.action} ${a.target}: ${a.ok ? '✓' : '✕'} ${a.message} (${Math.round(a.durationMs)} ms)`));
    while (log.childElementCount > 12) log.lastElementChild?.remove();
    noActions.hidden = true;
  }

  rolling.addEventListener('click', () =>
    busy(rolling, () => act({ action: 'rolling-restart' }), (error) => ctx.notify(describeError(error), 'error')));
  window.setInterval(drawNginx, 5_000);

  return {
    hello(state: LabState) {
      drawComponents(state);
      recent = [...state.recent];
      drawNginx();
    },
    event(event: LabEvent) {
      const state = ctx.state();
      if (event.type === 'cluster' && state && componentsKey(state) !== drawnKey) drawComponents(state);
      else if (event.type === 'action') addLog(event);
      else if (event.type === 'request') recent.push(event);
    },
  };
}
