// Request stream: start traffic on a route family, watch every request as a dot coloured by the
// replica that answered, count per replica, pause, replay the recording.
import { FAMILY_POLICY, type LabEvent, type LabState, type RequestEvent, type RouteFamily, type TrafficRun } from '../../../lab/lab-types';
import { describeError } from '../api';
import { busy, byId, fill, h } from '../dom';
import { shortLabel, textOn } from '../palette';
import { StreamRecorder } from '../stream-recorder';
import type { Panel, PanelContext } from './panel';
import { failed, requestDot } from './request-dot';

/** The names the worksheets use for the families. */
const FAMILIES: { family: RouteFamily; label: string }[] = [
  { family: 'stateless', label: 'stateless' },
  { family: 'stateful', label: 'stateful' },
  { family: 'local', label: 'local memory' },
  { family: 'rr-stateless', label: 'stateless via /rr/' },
  { family: 'rr-stateful', label: 'stateful via /rr/' },
  { family: 'rr-local', label: 'local memory via /rr/' },
  { family: 'products', label: 'catalogue, cached at the edge' },
  { family: 'products-nocache', label: 'catalogue, uncached (PostgreSQL)' },
];
const POLICY_NAME = { least_conn: 'least_conn', ip_hash: 'ip_hash', round_robin: 'round robin' } as const;

const MAX_DOTS = 400;

export function createStreamPanel(ctx: PanelContext): Panel {
  const body = byId('stream-body');
  const recorder = new StreamRecorder();
  let viewSince = 0;
  let run: TrafficRun | null = null;
  let replayTimers: number[] = [];

  const family = h('select', { id: 'stream-family' }, ...FAMILIES.map((f) => h('option', { value: f.family }, `${f.label} (${POLICY_NAME[FAMILY_POLICY[f.family]]})`)));
  const count = h('input', { id: 'stream-count', type: 'number', min: 1, max: 2000, value: 60 });
  const rate = h('input', { id: 'stream-rate', type: 'number', min: 1, max: 200, value: 20 });
  const picker = h('fieldset', { class: 'client-picker', id: 'stream-clients' }, h('legend', {}, 'Clients'));
  // Traffic runs by default: the race and session panels' requests would flood the stream.
  const show = h('select', { id: 'stream-show' }, h('option', { value: 'traffic' }, 'traffic runs only'), h('option', { value: 'all' }, 'every request'));
  const send = h('button', { type: 'button', class: 'primary', 'data-needs-token': true }, 'Send');
  const stop = h('button', { type: 'button', 'data-needs-token': true }, 'Stop');
  const pause = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Pause');
  const replay = h('button', { type: 'button' }, 'Replay');
  const clear = h('button', { type: 'button' }, 'Clear');
  const runStatus = h('p', { class: 'run-status', 'aria-live': 'polite' });
  const counts = h('ul', { class: 'replica-counts', id: 'stream-counts', 'aria-label': 'requests per replica' });
  const dots = h('div', { class: 'dots', id: 'stream-dots', role: 'group', 'aria-label': 'requests, oldest first; hover a square for its details' });

  fill(
    body,
    h('div', { class: 'controls' },
      h('label', {}, 'Route ', family),
      h('label', {}, 'Requests ', count),
      h('label', {}, 'Per second ', rate),
      send, stop),
    picker,
    h('div', { class: 'controls' }, pause, replay, clear, h('label', {}, 'Show ', show)),
    runStatus,
    counts,
    dots,
  );

  const visible = (e: RequestEvent): boolean => e.at >= viewSince && (show.value === 'all' || e.purpose === 'traffic');
  let tally = new Map<string, number>();
  let retried = 0;
  let failures = 0;

  function drawCounts(): void {
    const known = ctx.colours.known().filter((r) => tally.has(r) || ctx.state()?.replicas.some((x) => x.id === r));
    fill(
      counts,
      ...known.map((replica) => {
        const colour = ctx.colours.colour(replica);
        const n = tally.get(replica) ?? 0;
        return h('li', { 'data-replica': replica, 'data-count': n },
          h('span', { class: 'swatch', style: `background:${colour};color:${textOn(colour)}` }, shortLabel(replica)), ` ${replica}: ${n}`);
      }),
      h('li', { 'data-replica': 'none', 'data-count': tally.get('none') ?? 0 }, `no replica (502/504/no answer): ${tally.get('none') ?? 0}`),
      h('li', { 'data-retried': retried }, `↻ retried by nginx: ${retried}`),
      h('li', { 'data-failed': failures }, `failed: ${failures}`),
    );
  }

  function draw(events: RequestEvent[]): void {
    const shown = events.filter(visible);
    for (const e of shown) {
      const key = e.replica ?? 'none';
      tally.set(key, (tally.get(key) ?? 0) + 1);
      if (e.retried) retried += 1;
      if (failed(e)) failures += 1;
      dots.appendChild(requestDot(e, ctx.colours));
    }
    while (dots.childElementCount > MAX_DOTS) dots.firstElementChild?.remove();
    if (shown.length) drawCounts();
  }

  function redraw(): void {
    tally = new Map();
    retried = 0;
    failures = 0;
    dots.replaceChildren();
    draw(recorder.drawn());
    drawCounts();
  }

  function showRun(): void {
    if (!run) return;
    const mine = recorder.drawn().filter((e) => e.runId === run?.runId);
    const bad = mine.filter(failed).length;
    runStatus.setAttribute('data-received', String(mine.length));
    runStatus.setAttribute('data-count', String(run.count));
    runStatus.textContent = `Run ${run.runId.slice(0, 8)}: ${mine.length}/${run.count} requests (${run.family}, ${FAMILY_POLICY[run.family]}, ${run.rate}/s from ${run.clients.length} client${run.clients.length === 1 ? '' : 's'})${bad ? `, ${bad} failed` : ''}.`;
  }

  function setMode(): void {
    pause.textContent = recorder.mode === 'paused' ? `Resume (${recorder.waiting} waiting)` : 'Pause';
    pause.setAttribute('aria-pressed', String(recorder.mode === 'paused'));
    pause.disabled = recorder.mode === 'replaying';
    replay.textContent = recorder.mode === 'replaying' ? 'Stop replay' : 'Replay';
  }

  function endReplay(): void {
    for (const t of replayTimers) clearTimeout(t);
    replayTimers = [];
    redraw();
    draw(recorder.resume());
    setMode();
  }

  send.addEventListener('click', () =>
    busy(send, async () => {
      const clients = [...picker.querySelectorAll<HTMLInputElement>('input:checked')].map((box) => box.value);
      if (!clients.length) throw new Error('Tick at least one client.');
      run = await ctx.api.post<TrafficRun>('/traffic', { family: family.value as RouteFamily, count: count.valueAsNumber, rate: rate.valueAsNumber, clients });
      viewSince = Date.now() - 1_000;
      redraw();
      showRun();
    }, (error) => ctx.notify(describeError(error), 'error')));
  stop.addEventListener('click', () =>
    busy(stop, async () => {
      const { stopped } = await ctx.api.post<{ stopped: number }>('/traffic/stop');
      ctx.notify(`Stopped ${stopped} traffic run${stopped === 1 ? '' : 's'}.`);
    }, (error) => ctx.notify(describeError(error), 'error')));
  pause.addEventListener('click', () => {
    if (recorder.mode === 'paused') draw(recorder.resume());
    else recorder.pause();
    setMode();
  });
  replay.addEventListener('click', () => {
    if (recorder.mode === 'replaying') return endReplay();
    const steps = recorder.replay(visible);
    tally = new Map();
    retried = 0;
    failures = 0;
    dots.replaceChildren();
    drawCounts();
    replayTimers = steps.map((s) => window.setTimeout(() => draw([s.event]), s.delayMs));
    replayTimers.push(window.setTimeout(endReplay, (steps.at(-1)?.delayMs ?? 0) + 500));
    setMode();
  });
  clear.addEventListener('click', () => {
    viewSince = Date.now();
    run = null;
    runStatus.textContent = '';
    redraw();
  });
  show.addEventListener('change', redraw);

  /** One checkbox per virtual client (all ticked at first), plus "all" and "only client-1". */
  function drawPicker(state: LabState): void {
    if (picker.querySelector('input')) return;
    const boxes = state.clients.map((c) => h('input', { type: 'checkbox', value: c.id, checked: true }));
    const all = h('button', { type: 'button', class: 'small' }, 'all');
    const first = h('button', { type: 'button', class: 'small' }, `only ${state.clients[0]?.id ?? ''}`);
    all.addEventListener('click', () => boxes.forEach((box) => (box.checked = true)));
    first.addEventListener('click', () => boxes.forEach((box, i) => (box.checked = i === 0)));
    picker.append(
      ...state.clients.map((c, i) => h('label', { class: 'check', title: `${c.name}, ${c.address}` }, boxes[i]!, ` ${c.id}`)),
      all,
      first,
    );
  }

  return {
    hello(state: LabState) {
      drawPicker(state);
      for (const e of state.recent) draw(recorder.receive(e));
      drawCounts();
    },
    event(event: LabEvent) {
      if (event.type !== 'request') return;
      draw(recorder.receive(event));
      if (run && event.runId === run.runId) showRun();
      if (recorder.mode === 'paused') setMode();
    },
  };
}
