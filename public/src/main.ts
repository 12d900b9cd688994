// The lab page: connects to the lab controller's event stream and hands every event to the
// panels. Built by scripts/build-page.mjs into public/assets/lab.js.
import type { LabEvent, LabState } from '../../lab/lab-types';
import { LabApi, takeToken, type LinkStatus } from './api';
import { byId, clock, fill, h } from './dom';
import { LESSON_PANELS } from './lessons';
import { mountLessonPanel } from './lessons/lesson-panel';
import { ReplicaColours } from './palette';
import { PanelLayout } from './panel-layout';
import { createClientsPanel } from './panels/clients';
import { createClusterPanel } from './panels/cluster';
import { createMetricsPanel } from './panels/metrics';
import type { Panel, PanelContext } from './panels/panel';
import { createRacePanel } from './panels/race';
import { createSessionsPanel } from './panels/sessions';
import { createStreamPanel } from './panels/stream';
import { WorksheetView } from './worksheets';

const api = new LabApi(takeToken());
const colours = new ReplicaColours();
let state: LabState | null = null;

const statusLine = byId('status-line');
function notify(message: string, kind: 'info' | 'error' = 'info'): void {
  statusLine.textContent = `${clock(Date.now())} ${message}`;
  statusLine.className = kind;
  statusLine.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}

const ctx: PanelContext = { api, colours, state: () => state, notify };
const panels: Panel[] = [
  ...[createStreamPanel, createClientsPanel, createSessionsPanel, createRacePanel, createClusterPanel, createMetricsPanel].map((create) => create(ctx)),
  ...LESSON_PANELS.map((spec) => mountLessonPanel(spec, byId('panels'), ctx)),
];
const worksheets = new WorksheetView(api, notify, new PanelLayout());

function drawToken(): void {
  const el = byId('token-state');
  if (api.canPost) {
    fill(el, h('span', { class: 'badge ok' }, '🔑 token set'), ' — the buttons act on the cluster');
  } else {
    fill(el, h('span', { class: 'badge warn' }, 'read-only'), ' — to act, open the lab URL with ', h('code', {}, '#token=…'),
      ' that ', h('code', {}, 'npm run demo'), ' or ', h('code', {}, 'npm run cluster -- status'), ' prints');
    document.body.classList.add('read-only');
    for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-needs-token]')) button.disabled = true;
  }
}

function drawSummary(): void {
  const el = byId('cluster-summary');
  if (!state) return fill(el, 'no cluster state yet');
  const replicas = state.components.filter((c) => c.kind === 'replica');
  const readyReplicas = replicas.filter((c) => c.ready).length;
  const down = state.components.filter((c) => c.state !== 'up').map((c) => `${c.name} (${c.state})`);
  fill(el,
    h('span', { class: readyReplicas === replicas.length ? 'badge ok' : 'badge warn' }, `replicas ready ${readyReplicas}/${replicas.length}`),
    ` · ${state.clients.length} virtual clients · ${state.mode} mode · `,
    down.length ? h('span', { class: 'badge warn' }, `not up: ${down.join(', ')}`) : 'every component up');
}

let lastLink: LinkStatus = 'connecting';
function drawLink(status: LinkStatus, detail?: string): void {
  if (status === 'live' && (lastLink === 'unavailable' || lastLink === 'reconnecting')) notify('Connected to the lab controller again.');
  lastLink = status;
  const el = byId('link-state');
  const words: Record<LinkStatus, string> = {
    connecting: 'connecting to the lab controller…',
    live: '● live',
    reconnecting: '◌ reconnecting…',
    unavailable: '✕ lab controller unavailable',
  };
  el.className = `badge ${status === 'live' ? 'ok' : status === 'connecting' ? '' : 'warn'}`;
  el.textContent = words[status];
  el.title = detail ?? '';
  if (status === 'unavailable') notify(`The lab controller does not answer (${detail ?? 'no reason given'}); the page keeps trying. Is the cluster running? npm run cluster -- status`, 'error');
}

/** Keeps `state` current, so panels read fresh components, sessions and races. */
function apply(event: LabEvent): void {
  if (event.type === 'hello') {
    state = event.state;
    colours.setKnown(state.replicas.map((r) => r.id));
  } else if (!state) {
    return;
  } else if (event.type === 'cluster') {
    state.components = event.components;
  } else if (event.type === 'sessions') {
    state.sessions = event.sessions;
  } else if (event.type === 'race') {
    state.races = [...state.races.filter((r) => r.id !== event.id), event];
  }
}

drawToken();
api.follow((event) => {
  apply(event);
  for (const panel of panels) {
    if (event.type === 'hello') panel.hello(event.state);
    else panel.event(event);
  }
  if (event.type === 'hello') {
    void worksheets.load();
    drawToken();
  }
  if (event.type === 'hello' || event.type === 'cluster') drawSummary();
}, drawLink);
