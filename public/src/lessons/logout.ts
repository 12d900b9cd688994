// Lesson 9's view: every virtual client logs in as a seeded user with a session and with a token;
// the student logs one out, and a grid (replica × session, token, token + denylist) fills square
// by square as that client asks every replica on its own port. Only login handles reach the
// page: the cookie's secret and the token stay in the lab controller.
import type { LabEvent, LabState } from '../../../lab/lab-types';
import {
  LOGOUT_LESSON,
  ME_PATH,
  PROOFS,
  type GridAsking,
  type GridCell,
  type GridCellEvent,
  type LoginView,
  type LogoutClientRequest,
  type LogoutGrid,
  type LogoutSnapshot,
  type Proof,
} from '../../../lab/lessons/09-logging-out.contract';
import { describeError } from '../api';
import { busy, clock, fill, h } from '../dom';
import { lessonEvent, lessonPath, withCommand, type LessonPanelSpec } from './lesson-panel';

type Phase = 'before' | 'after';

/** A grid being drawn: the final one, or one still filling from 'cell' events. */
interface Drawn {
  id: string;
  client: string;
  title: string;
  replicas: string[];
  cells: GridCell[];
  done: boolean;
}

const PHASE_TITLE: Record<Phase, string> = { before: 'Before the logout', after: 'After the logout' };
const answerText = (c: GridCell) => `${c.status === 0 ? 'no answer' : c.status}${c.errorCode ? ` ${c.errorCode}` : ''}`;

function gridTitle(g: Pick<LogoutGrid, 'client' | 'email' | 'sessionHandle' | 'tokenId' | 'at'>): string {
  return `${g.client} as ${g.email} — session ${g.sessionHandle}, token id ${g.tokenId.slice(0, 8)}… — asked at ${clock(g.at)}`;
}

export const logoutPanel: LessonPanelSpec = {
  lesson: LOGOUT_LESSON,
  id: 'logout',
  title: 'Logging out',
  predict:
    'Each client is logged in twice, with a server session and with a signed token. Log one out, through nginx, on one replica. Which replicas still accept its old cookie? Its token? Its token when the replica reads the Redis denylist?',
  create(ctx, body) {
    const logins = new Map<string, LoginView>();
    const grids: Record<Phase, Drawn | null> = { before: null, after: null };
    const pending = new Map<string, Phase>();
    let replicaAddresses: { id: string; address: string }[] = [];

    const loginAll = h('button', { type: 'button', 'data-needs-token': true, id: 'logout-login' }, 'Log every client in');
    const status = h('p', { class: 'run-status', id: 'logout-status', 'aria-live': 'polite' }, 'Nobody is logged in.');
    const clients = h('table', { id: 'logout-clients' },
      h('caption', {}, 'The virtual clients’ logins: public handles only — the cookie’s secret and the token never leave the lab controller'),
      h('thead', {}, h('tr', {}, ...['client · user', 'login (handles only)', 'state', 'actions'].map((t) => h('th', { scope: 'col' }, t)))));
    const gridBoxes: Record<Phase, HTMLElement> = { before: h('div', { id: 'logout-grid-before' }), after: h('div', { id: 'logout-grid-after' }) };
    const commands = h('dl', { class: 'commands', id: 'logout-commands' });

    loginAll.addEventListener('click', () =>
      busy(loginAll, async () => {
        status.textContent = 'Logging every client in, twice each…';
        const views = await ctx.api.post<LoginView[]>(lessonPath(LOGOUT_LESSON, '/login'));
        for (const v of views) logins.set(v.client, v);
        status.textContent = `${views.length} clients logged in with a session and a token each.`;
        drawClients();
      }, (error) => ctx.notify(describeError(error), 'error')));

    fill(
      body,
      h('div', { class: 'controls' }, withCommand(loginAll, `curl -s -c jar ${window.location.origin}/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"ada@statelab.test","password":"statelab-ada","mode":"session"}'`)),
      status,
      h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'the virtual clients and their logins' }, clients),
      h('p', { class: 'note' },
        'Log out sends ', h('code', {}, 'POST /api/v1/auth/logout'), ' twice through nginx, once with the cookie and once with the token. Ask every replica sends ',
        h('code', {}, `GET ${ME_PATH}`), ' to each replica on its own port — nginx would pick one — with the cookie the client had before the logout (as a copy of it would), with the token, and with the token and ',
        h('code', {}, '?denylist=on'), '.'),
      h('h3', {}, PHASE_TITLE.before), gridBoxes.before,
      h('h3', {}, PHASE_TITLE.after), gridBoxes.after,
      h('h3', {}, 'From a terminal'), commands,
    );

    function act(action: 'logout' | 'ask', client: string, button: HTMLButtonElement): void {
      busy(button, async () => {
        const request: LogoutClientRequest = { client };
        if (action === 'logout') {
          const view = await ctx.api.post<LoginView>(lessonPath(LOGOUT_LESSON, '/logout'), request);
          logins.set(view.client, view);
          status.textContent = `${client} logged out: session on ${view.logout?.session.replica ?? '?'} (${view.logout?.session.status}), token on ${view.logout?.token.replica ?? '?'} (${view.logout?.token.status}). Now ask every replica.`;
          drawClients();
        } else {
          showGrid(await ctx.api.post<LogoutGrid>(lessonPath(LOGOUT_LESSON, '/ask'), request));
        }
      }, (error) => ctx.notify(describeError(error), 'error'));
    }

    function drawClients(): void {
      clients.querySelectorAll('tbody').forEach((t) => t.remove());
      const known = ctx.state()?.clients ?? [...logins.values()].map((l) => ({ id: l.client, name: l.clientName, address: '' }));
      clients.append(h('tbody', {}, ...known.map((c) => {
        const l = logins.get(c.id);
        const buttons = (['logout', 'ask'] as const).map((action) => {
          const button = h('button', {
            type: 'button',
            'data-needs-token': true,
            'data-logout-action': action,
            disabled: !l || !ctx.api.canPost || (action === 'logout' && l.logout !== null),
            'aria-label': `${action === 'logout' ? 'Log out' : 'Ask every replica'}: ${c.id}`,
          }, action === 'logout' ? 'Log out' : 'Ask every replica');
          button.addEventListener('click', () => act(action, c.id, button));
          return button;
        });
        const state = !l ? 'not logged in' : l.logout ? `logged out at ${clock(l.logout.at)}` : `logged in at ${clock(l.at)}`;
        return h('tr', { 'data-client': c.id, 'data-login-id': l?.id ?? '', 'data-session-handle': l?.sessionHandle ?? '', 'data-token-id': l?.tokenId ?? '', 'data-logged-out': String(Boolean(l?.logout)),
          'data-logout-replicas': l?.logout ? `${l.logout.session.replica ?? ''},${l.logout.token.replica ?? ''}` : '' },
          h('th', { scope: 'row' }, c.id, h('br'), h('small', {}, l?.email ?? 'not logged in')),
          h('td', {}, l
            ? h('dl', {},
              h('dt', {}, 'session'), h('dd', {}, h('code', {}, l.sessionHandle)),
              h('dt', {}, 'token id'), h('dd', {}, h('code', { title: 'the token’s id (jti): what the denylist lists — not the token' }, `${l.tokenId.slice(0, 8)}…`)),
              h('dt', {}, 'by'), h('dd', {}, `${l.loginReplicas.session ?? '?'} · ${l.loginReplicas.token ?? '?'}`))
            : '—'),
          h('td', { class: l?.logout ? 'lost' : l ? 'kept' : '' }, state),
          h('td', {}, ...buttons.flatMap((b) => [b, ' '])));
      })));
    }

    function drawGrid(phase: Phase): void {
      const g = grids[phase];
      const box = gridBoxes[phase];
      if (!g) {
        fill(box, h('p', { class: 'note' }, phase === 'before' ? 'No client asked yet while logged in.' : 'No client asked yet after a logout.'));
        return;
      }
      const table = h('table', { 'data-grid-id': g.id, 'data-client': g.client, 'data-done': String(g.done) },
        h('caption', {}, g.title),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'replica (asked directly)'), ...PROOFS.map((p) => h('th', { scope: 'col', title: `sends ${p.sends}` }, p.label)))),
        h('tbody', {}, ...g.replicas.map((replica) =>
          h('tr', { 'data-replica': replica },
            h('th', { scope: 'row' }, replica, h('br'), h('small', {}, replicaAddresses.find((r) => r.id === replica)?.address ?? '')),
            ...PROOFS.map(({ proof }) => cellOf(g, replica, proof))))));
      const tally = PROOFS.map(({ proof, label }) => {
        const cells = g.cells.filter((c) => c.proof === proof);
        return `${label}: ${cells.filter((c) => c.accepted).length} of ${cells.length} accepted`;
      }).join(' · ');
      fill(box, h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': `${PHASE_TITLE[phase]}: replica by proof` }, table),
        h('p', { class: 'note', 'data-tally': phase }, g.done ? tally : `asking… ${tally}`));
    }

    function cellOf(g: Drawn, replica: string, proof: Proof): HTMLTableCellElement {
      const c = g.cells.find((x) => x.replica === replica && x.proof === proof);
      if (!c) return h('td', { 'data-replica': replica, 'data-proof': proof, 'data-accepted': '' }, '…');
      return h('td', {
        'data-replica': replica,
        'data-proof': proof,
        'data-status': c.status,
        'data-error-code': c.errorCode ?? '',
        'data-accepted': String(c.accepted),
        class: c.accepted ? 'kept' : 'lost',
      }, h('strong', {}, c.accepted ? '✓ accepted' : '✕ refused'), h('br'), h('small', {}, answerText(c)));
    }

    function showGrid(g: LogoutGrid): void {
      const phase: Phase = g.loggedOutAt === null ? 'before' : 'after';
      grids[phase] = { id: g.id, client: g.client, title: gridTitle(g), replicas: g.replicas, cells: g.cells, done: true };
      pending.delete(g.id);
      drawGrid(phase);
    }

    function startGrid(a: GridAsking): void {
      const phase: Phase = a.loggedOut ? 'after' : 'before';
      const login = logins.get(a.client);
      pending.set(a.id, phase);
      grids[phase] = { id: a.id, client: a.client, title: `${a.client}${login ? ` as ${login.email}` : ''} — asking every replica…`, replicas: a.replicas, cells: [], done: false };
      drawGrid(phase);
    }

    function addCell(e: GridCellEvent): void {
      const phase = pending.get(e.askId);
      const g = phase && grids[phase];
      if (!phase || !g || g.id !== e.askId) return;
      g.cells = [...g.cells, e.cell];
      drawGrid(phase);
    }

    function drawCommands(): void {
      const origin = window.location.origin;
      const addresses = replicaAddresses.map((r) => r.address).join(' ') || '127.0.0.1:3001 127.0.0.1:3002 127.0.0.1:3003';
      fill(commands,
        h('dt', {}, 'log in with a token'), h('dd', {}, h('code', {}, `TOKEN=$(curl -s ${origin}/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"ada@statelab.test","password":"statelab-ada","mode":"token"}' | jq -r .token)`)),
        h('dt', {}, 'log out'), h('dd', {}, h('code', {}, `cp jar jar.copy; curl -s -b jar -X POST ${origin}/api/v1/auth/logout; curl -s -X POST ${origin}/api/v1/auth/logout -H "authorization: Bearer $TOKEN"`)),
        h('dt', {}, 'ask every replica'), h('dd', {}, h('code', {}, `for a in ${addresses}; do curl -s -b jar.copy http://$a${ME_PATH} | jq -c '[.instance,.via,.error.code]'; curl -s http://$a${ME_PATH} -H "authorization: Bearer $TOKEN" | jq -c '[.instance,.via,.error.code]'; curl -s "http://$a${ME_PATH}?denylist=on" -H "authorization: Bearer $TOKEN" | jq -c '[.instance,.via,.error.code]'; done`)));
    }

    drawClients();
    drawGrid('before');
    drawGrid('after');
    drawCommands();
    return {
      hello(state: LabState) {
        const snapshot = state.lessons[LOGOUT_LESSON] as LogoutSnapshot | undefined;
        replicaAddresses = state.replicas;
        logins.clear();
        for (const l of snapshot?.logins ?? []) logins.set(l.client, l);
        grids.before = null;
        grids.after = null;
        pending.clear();
        if (snapshot?.before) showGrid(snapshot.before);
        if (snapshot?.after) showGrid(snapshot.after);
        status.textContent = logins.size ? `${logins.size} clients logged in.` : 'Nobody is logged in.';
        drawClients();
        drawGrid('before');
        drawGrid('after');
        drawCommands();
      },
      event(event: LabEvent) {
        const login = lessonEvent<LoginView>(event, LOGOUT_LESSON, 'login') ?? lessonEvent<LoginView>(event, LOGOUT_LESSON, 'logout');
        if (login) {
          logins.set(login.data.client, login.data);
          drawClients();
        }
        const asking = lessonEvent<GridAsking>(event, LOGOUT_LESSON, 'asking');
        if (asking) startGrid(asking.data);
        const cell = lessonEvent<GridCellEvent>(event, LOGOUT_LESSON, 'cell');
        if (cell) addCell(cell.data);
        const grid = lessonEvent<LogoutGrid>(event, LOGOUT_LESSON, 'grid');
        if (grid) showGrid(grid.data);
      },
    };
  },
};
