// Virtual clients: one lane per client, and the client → replica map under each policy. The
// browser showing this page is one more, real, client: it asks nginx itself.
import { FAMILY_PATH, FAMILY_POLICY, type LabEvent, type LabState, type LbPolicy, type RequestEvent, type RouteFamily } from '../../../lab/lab-types';
import { describeError } from '../api';
import { busy, byId, fill, h } from '../dom';
import { shortLabel, textOn } from '../palette';
import { SeenEvents } from '../stream-recorder';
import type { Panel, PanelContext } from './panel';
import { requestDot } from './request-dot';

const POLICIES: LbPolicy[] = ['least_conn', 'ip_hash', 'round_robin'];
/** One family per policy, all answering with X-Instance-Id (stateful answers 401 without a session: fine here). */
const FAMILY_OF: Record<LbPolicy, RouteFamily> = { least_conn: 'stateless', ip_hash: 'stateful', round_robin: 'rr-stateless' };
const BROWSER = 'you (this browser)';
const LANE = 24;
const PER_CLIENT = 5;
const POLICY_NAME: Record<LbPolicy, string> = { least_conn: 'least_conn', ip_hash: 'ip_hash', round_robin: 'round robin' };

interface ClientRow {
  lane: HTMLElement;
  cells: Record<LbPolicy, HTMLElement>;
  served: Record<LbPolicy, Map<string, number>>;
}

export function createClientsPanel(ctx: PanelContext): Panel {
  const body = byId('clients-body');
  const rows = new Map<string, ClientRow>();
  const table = h('tbody');
  const seen = new SeenEvents();
  let browserSeq = 0;

  const send = (policies: LbPolicy[], label: string): HTMLButtonElement => {
    const button = h('button', { type: 'button', 'data-needs-token': true, 'data-policies': policies.join(' ') }, label);
    button.addEventListener('click', () => busy(button, () => sendTraffic(policies), (error) => ctx.notify(describeError(error), 'error')));
    return button;
  };
  const askBrowser = h('button', { type: 'button' }, 'Ask nginx as this browser');
  const forget = h('button', { type: 'button' }, 'Forget the map');
  fill(
    body,
    h('div', { class: 'controls' },
      h('span', {}, `Every client, ${PER_CLIENT} requests each:`),
      ...POLICIES.map((p) => send([p], POLICY_NAME[p])),
      send(POLICIES, 'all three')),
    h('div', { class: 'controls' }, askBrowser, forget),
    h('div', { class: 'table-scroll' },
      h('table', { class: 'clients', id: 'clients-table' },
        h('caption', {}, 'Which replica served each client, per balancing policy (requests per replica)'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'client'), h('th', { scope: 'col' }, 'recent requests'), ...POLICIES.map((p) => h('th', { scope: 'col' }, p)))),
        table)),
  );

  function row(client: string, address: string): ClientRow {
    const existing = rows.get(client);
    if (existing) return existing;
    const lane = h('div', { class: 'lane', 'data-client': client });
    const cell = (policy: LbPolicy): HTMLElement => h('td', { 'data-client': client, 'data-policy': policy, 'data-replicas': '', 'data-count': 0 }, '—');
    const cells: Record<LbPolicy, HTMLElement> = { least_conn: cell('least_conn'), ip_hash: cell('ip_hash'), round_robin: cell('round_robin') };
    const you = client === BROWSER;
    table.appendChild(h('tr', { class: you ? 'you' : '', 'data-client': client },
      h('th', { scope: 'row' }, client, h('br'), h('small', {}, address)),
      h('td', {}, lane),
      ...POLICIES.map((p) => cells[p])));
    const created: ClientRow = { lane, cells, served: { least_conn: new Map(), ip_hash: new Map(), round_robin: new Map() } };
    rows.set(client, created);
    return created;
  }

  function drawCell(r: ClientRow, policy: LbPolicy): void {
    const served = [...r.served[policy].entries()].sort(([a], [b]) => a.localeCompare(b));
    const cell = r.cells[policy];
    cell.setAttribute('data-replicas', served.map(([replica]) => replica).join(','));
    cell.setAttribute('data-count', String(served.reduce((sum, [, n]) => sum + n, 0)));
    if (!served.length) return fill(cell, '—');
    fill(cell, ...served.map(([replica, n]) => {
      const colour = ctx.colours.colour(replica);
      return h('span', { class: 'chip', title: `${replica}: ${n} request${n === 1 ? '' : 's'}` },
        h('span', { class: 'swatch', style: `background:${colour};color:${textOn(colour)}` }, shortLabel(replica)), ` ×${n}`);
    }));
  }

  function add(e: RequestEvent, address = ''): void {
    if (!seen.first(e)) return;
    const r = row(e.client, address);
    r.lane.appendChild(requestDot(e, ctx.colours));
    while (r.lane.childElementCount > LANE) r.lane.firstElementChild?.remove();
    if (e.replica && e.status !== 0 && e.status < 500) {
      const served = r.served[e.policy];
      served.set(e.replica, (served.get(e.replica) ?? 0) + 1);
      drawCell(r, e.policy);
    }
  }

  /** The browser's own request through nginx: the replica comes from the X-Instance-Id header. */
  async function browserRequest(policy: LbPolicy): Promise<void> {
    const family = FAMILY_OF[policy];
    const started = performance.now();
    const at = Date.now();
    let status = 0;
    let headers = new Headers();
    try {
      const response = await fetch(FAMILY_PATH[family], { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      status = response.status;
      headers = response.headers;
      await response.arrayBuffer();
    } catch {
      // status 0: no answer, drawn as such
    }
    const upstream = headers.get('x-upstream');
    browserSeq -= 1;
    add({
      type: 'request', seq: browserSeq, at, client: BROWSER, family, policy: FAMILY_POLICY[family], method: 'GET', path: FAMILY_PATH[family],
      status, replica: headers.get('x-instance-id'), upstream, retried: Boolean(upstream?.includes(',')), latencyMs: performance.now() - started,
      requestId: headers.get('x-request-id'), errorCode: null, purpose: 'traffic', runId: null, lesson: null, cacheStatus: headers.get('x-cache-status'),
    }, 'your own address');
  }

  async function askAsBrowser(): Promise<void> {
    for (const policy of POLICIES) for (let i = 0; i < PER_CLIENT; i += 1) await browserRequest(policy);
  }

  async function sendTraffic(policies: LbPolicy[]): Promise<void> {
    const clients = ctx.state()?.clients.map((c) => c.id) ?? [];
    for (const policy of policies) {
      await ctx.api.post('/traffic', { family: FAMILY_OF[policy], count: PER_CLIENT * clients.length, rate: 40, clients });
    }
    ctx.notify(`Sending ${PER_CLIENT} requests per client under ${policies.map((p) => POLICY_NAME[p]).join(', ')}; the map fills as they arrive.`);
  }

  askBrowser.addEventListener('click', () => busy(askBrowser, askAsBrowser, (error) => ctx.notify(String(error), 'error')));
  forget.addEventListener('click', () => {
    for (const r of rows.values()) {
      r.lane.replaceChildren();
      for (const p of POLICIES) {
        r.served[p].clear();
        drawCell(r, p);
      }
    }
  });

  let askedOnce = false;
  return {
    hello(state: LabState) {
      for (const c of state.clients) row(c.id, c.address);
      row(BROWSER, 'your own address');
      for (const e of state.recent) if (rows.has(e.client)) add(e);
      if (!askedOnce) {
        askedOnce = true;
        void askAsBrowser();
      }
    },
    event(event: LabEvent) {
      if (event.type === 'request' && rows.has(event.client)) add(event);
    },
  };
}
