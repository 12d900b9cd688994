// The race: K concurrent increments at the naive counter (read the session, add one, write it
// back) and at the atomic one (Redis HINCRBY), and what each ends at.
import type { LabEvent, LabState, RaceRequest, RaceResult, RaceSide } from '../../../lab/lab-types';
import { describeError } from '../api';
import { busy, byId, clock, fill, h } from '../dom';
import type { Panel, PanelContext } from './panel';

export function createRacePanel(ctx: PanelContext): Panel {
  const body = byId('race-body');
  const k = h('input', { id: 'race-k', type: 'number', min: 2, max: 500, value: 100 });
  const via = h('select', { id: 'race-via' },
    h('option', { value: 'ip_hash' }, 'ip_hash (one replica)'),
    h('option', { value: 'round_robin' }, 'round robin (every replica)'));
  const fire = h('button', { type: 'button', 'data-needs-token': true }, 'Fire');
  const history = h('tbody');
  const latest = h('p', { class: 'race-latest', 'aria-live': 'polite' });
  fill(
    body,
    h('div', { class: 'controls' },
      h('label', {}, 'Concurrent increments K ', k),
      h('label', {}, 'Through ', via),
      fire),
    latest,
    h('div', { class: 'table-scroll' },
      h('table', { class: 'race', id: 'race-table' },
        h('caption', {}, 'Every run, newest first'),
        h('thead', {}, h('tr', {}, ...['run', 'counter', 'attempted', 'acknowledged', 'final', 'lost'].map((t) => h('th', { scope: 'col' }, t)))),
        history)),
  );

  const shown = new Set<string>();
  /** The run this page is firing: its result may arrive as an event before the POST answers. */
  let firing: { via: RaceRequest['via']; since: number } | null = null;

  function sideRow(race: RaceResult, side: 'naive' | 'atomic', first: HTMLElement | null): HTMLTableRowElement {
    const s: RaceSide = race[side];
    return h('tr', { 'data-race-id': race.id, 'data-side': side },
      first,
      h('td', {}, side === 'naive' ? 'naive (read, add, write)' : 'atomic (HINCRBY)'),
      h('td', {}, s.attempted),
      h('td', {}, s.acknowledged),
      h('td', {}, s.final),
      h('td', { class: s.lost > 0 ? 'lost' : 'kept', 'data-side': side, 'data-lost': s.lost }, s.lost > 0 ? `✕ ${s.lost}` : '✓ 0'));
  }

  function add(race: RaceResult): void {
    if (shown.has(race.id)) return;
    shown.add(race.id);
    const replicas = Object.entries(race.replicas).sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => `${r} ×${n}`).join(', ');
    const how = firing && race.at >= firing.since ? firing.via : undefined;
    const run = h('th', { scope: 'rowgroup', rowspan: 2 },
      `${clock(race.at)} · K=${race.k}${how ? ` · ${how}` : ''}`, h('br'), h('small', {}, `${race.client} → ${replicas || '—'}`));
    history.prepend(sideRow(race, 'naive', run), sideRow(race, 'atomic', null));
    latest.textContent =
      `K=${race.k}: the naive counter lost ${race.naive.lost} of ${race.naive.acknowledged} acknowledged increments (ended at ${race.naive.final}); ` +
      `the atomic counter lost ${race.atomic.lost} (ended at ${race.atomic.final}).`;
  }

  fire.addEventListener('click', () =>
    busy(fire, async () => {
      const request: RaceRequest = { k: k.valueAsNumber, via: via.value as RaceRequest['via'] };
      latest.textContent = `Firing ${request.k} increments at each counter…`;
      firing = { via: request.via, since: Date.now() - 1_000 };
      try {
        add(await ctx.api.post<RaceResult>('/race', request));
      } finally {
        firing = null;
      }
    }, (error) => ctx.notify(describeError(error), 'error')));

  return {
    hello(state: LabState) {
      for (const race of [...state.races].sort((a, b) => a.at - b.at)) add(race);
    },
    event(event: LabEvent) {
      if (event.type === 'race') add(event);
    },
  };
}
