// Sessions side by side: for each virtual client one session in Redis and one in a replica's
// memory, and a button that kills the replica holding them.
import type { ActionEvent, LabEvent, LabState, SessionObservation, SessionPair } from '../../../lab/lab-types';
import { describeError } from '../api';
import { busy, byId, clock, fill, h } from '../dom';
import { shortLabel, textOn } from '../palette';
import { commandFor, componentsKey, type Panel, type PanelContext } from './panel';

type Store = SessionObservation['store'];

export function createSessionsPanel(ctx: PanelContext): Panel {
  const body = byId('sessions-body');
  const create = h('button', { type: 'button', 'data-needs-token': true }, 'Create sessions');
  const reread = h('button', { type: 'button', 'data-needs-token': true }, 'Read sessions');
  const rows = h('tbody');
  const note = h('p', { class: 'note', 'aria-live': 'polite' });
  fill(
    body,
    h('div', { class: 'controls' }, create, reread),
    h('div', { class: 'table-scroll' },
      h('table', { class: 'sessions', id: 'sessions-table' },
        h('caption', {}, 'Each client\'s two sessions, as last read through nginx (ip_hash)'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'client'),
          h('th', { scope: 'col' }, 'session in Redis'),
          h('th', { scope: 'col' }, 'session in memory'),
          h('th', { scope: 'col' }, 'chaos'))),
        rows)),
    note,
  );

  function replicaTag(replica: string | null): HTMLElement | string {
    if (!replica) return '—';
    const colour = ctx.colours.colour(replica);
    return h('span', { class: 'chip' }, h('span', { class: 'swatch', style: `background:${colour};color:${textOn(colour)}` }, shortLabel(replica)), ` ${replica}`);
  }

  function cell(client: string, store: Store, o: SessionObservation | null): HTMLElement {
    const attrs = {
      'data-client': client,
      'data-store': store,
      'data-status': o?.status ?? '',
      'data-session-id': o?.sessionId ?? '',
      'data-created-by': o?.createdBy ?? '',
      'data-served-by': o?.servedBy ?? '',
    };
    if (!o) return h('td', attrs, 'no session yet');
    const alive = o.status === 200 || o.status === 201;
    const verdict = alive ? (o.status === 201 ? '✓ created' : '✓ alive') : o.status === 0 ? `✕ no answer (${o.errorCode ?? 'error'})` : `✕ gone: ${o.status} ${o.errorCode ?? ''}`;
    return h('td', { ...attrs, class: alive ? 'alive' : 'lost' },
      h('strong', {}, verdict), ' ',
      h('code', { title: o.sessionId ?? '' }, o.sessionId ? `${o.sessionId.slice(0, 8)}…` : 'no id'),
      h('br'),
      'created by ', replicaTag(o.createdBy), ' · served by ', replicaTag(o.servedBy),
      ` · ${o.messageCount ?? '—'} message${o.messageCount === 1 ? '' : 's'} `,
      h('small', {}, `(read ${clock(o.at)})`));
  }

  function killCell(pair: SessionPair): HTMLElement {
    const target = pair.redis?.createdBy ?? pair.memory?.createdBy;
    const state = ctx.state();
    if (!target || !state) return h('td', {}, '—');
    const component = state.components.find((c) => c.name === target);
    if (!state.canAct) return h('td', {}, h('code', { class: 'command' }, commandFor(state, 'kill', target)));
    const allowed = component?.actions.includes('kill') ?? false;
    const button = h('button', { type: 'button', class: 'danger', 'data-needs-token': true, 'data-kill': target, disabled: !allowed || !ctx.api.canPost },
      `Kill its replica (${target})`);
    button.addEventListener('click', () => busy(button, () => kill(target), (error) => ctx.notify(describeError(error), 'error')));
    return h('td', {}, button, allowed ? null : h('small', {}, ` (${component?.state ?? 'unknown'})`));
  }

  let last: SessionPair[] = [];
  function draw(sessions: SessionPair[]): void {
    last = sessions;
    const order = (client: string): number => Number(/\d+$/.exec(client)?.[0] ?? 0);
    fill(rows, ...[...sessions].sort((a, b) => order(a.client) - order(b.client)).map((pair) => h('tr', { 'data-client': pair.client },
      h('th', { scope: 'row' }, pair.client),
      cell(pair.client, 'redis', pair.redis),
      cell(pair.client, 'memory', pair.memory),
      killCell(pair))));
  }

  async function kill(target: string): Promise<void> {
    const result = await ctx.api.post<ActionEvent>('/actions', { action: 'kill', target });
    note.textContent = `${result.ok ? 'Killed' : 'Could not kill'} ${target}: ${result.message}. Reading every session again…`;
    const { sessions } = await ctx.api.post<{ sessions: SessionPair[] }>('/sessions/read', {});
    draw(sessions);
    const redisAlive = sessions.filter((s) => s.redis?.status === 200).length;
    const memoryAlive = sessions.filter((s) => s.memory?.status === 200).length;
    note.textContent = `After killing ${target}: ${redisAlive}/${sessions.length} Redis sessions and ${memoryAlive}/${sessions.length} memory sessions still answer. Start ${target} again in the Cluster panel.`;
  }

  create.addEventListener('click', () =>
    busy(create, async () => draw((await ctx.api.post<{ sessions: SessionPair[] }>('/sessions', {})).sessions),
      (error) => ctx.notify(describeError(error), 'error')));
  reread.addEventListener('click', () =>
    busy(reread, async () => draw((await ctx.api.post<{ sessions: SessionPair[] }>('/sessions/read', {})).sessions),
      (error) => ctx.notify(describeError(error), 'error')));

  let components = '';
  return {
    hello(state: LabState) {
      components = componentsKey(state);
      draw(state.sessions);
    },
    event(event: LabEvent) {
      if (event.type === 'sessions') draw(event.sessions);
      const state = ctx.state();
      // The kill buttons follow the replicas' states; redraw only when those change, so a
      // keyboard user's focus is not thrown away by every cluster heartbeat.
      if (event.type === 'cluster' && state && componentsKey(state) !== components) {
        components = componentsKey(state);
        draw(last);
      }
    },
  };
}
