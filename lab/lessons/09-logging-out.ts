// Lesson 9: logging out deletes a server session — one Redis key — so every replica refuses it at
// once; a signed token is checked by each replica alone, so it lives on until it expires unless
// every request also reads a shared denylist. The view logs every virtual client in as a seeded
// user (once with a session, once with a token), logs one out, and lets it ask every replica.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Exchange, SimulatedClient } from '../../cluster/simulated-client';
import { seedPassword, seedUsers } from '../../src/boot/seed';
import { AppError } from '../../src/errors/app-error';
import type { LabHistory } from '../lab-history';
import type { CheckPart } from '../lab-types';
import { part } from './check-kit';
import type { Lesson, LessonContext, LessonRuntime } from './lesson';
import { oneAtATime } from './one-at-a-time';
import {
  LOGOUT_LESSON,
  ME_PATH,
  PROOFS,
  type GridAsking,
  type GridCell,
  type GridCellEvent,
  type LoginView,
  type LogoutAnswer,
  type LogoutGrid,
  type LogoutSnapshot,
  type Proof,
} from './09-logging-out.contract';

const clientBody = z.strictObject({ client: z.string().min(1).max(64) });

/** What only the controller holds: the two credentials of one login. Never published, never in a snapshot. */
interface Held {
  view: LoginView;
  /** `statelab.login=<handle>.<secret>`: the whole session credential. */
  cookie: string;
  /** The signed JWT: the whole token credential. */
  token: string;
}

const answerOf = (e: Exchange): LogoutAnswer => ({ status: e.status, errorCode: e.errorCode, replica: e.replica });

/** Client n logs in as seeded user n (modulo the five). */
export function userOf(clientIndex: number): string {
  return seedUsers[clientIndex % seedUsers.length]!.email;
}

/** What one replica's answer to /me says about one proof. */
export function cellOf(replica: string, proof: Proof, e: Exchange): GridCell {
  const via = proof === 'session' ? 'session' : 'token';
  const accepted = e.status === 200 && e.json.via === via;
  return {
    replica,
    proof,
    status: e.status,
    errorCode: e.errorCode,
    accepted,
    denylistChecked: accepted && via === 'token' ? e.json.denylistChecked === true : null,
  };
}

/**
 * Teaching note: the credentials live here, in the controller's memory, and the page only ever
 * sees the handles. A session id or a token is the whole proof of a login: a page (any student's
 * tab, the event stream, GET /lab/api/state needs no token) that showed one would let whoever
 * reads it log in as that user.
 */
function startLogout(ctx: LessonContext): LessonRuntime {
  const held = new Map<string, Held>();
  let before: LogoutGrid | null = null;
  let after: LogoutGrid | null = null;
  const replicas = ctx.cluster.topology.replicas;
  const exclusive = oneAtATime(() => 'The logging-out view is still busy with a login, a logout or an ask; wait for it to finish');

  function heldBy(clientId: string): Held {
    const login = held.get(ctx.client(clientId).id);
    if (!login) throw new AppError('ACTION_NOT_ALLOWED', `${clientId} is not logged in: press "Log every client in" first`);
    return login;
  }

  async function loginOne(client: SimulatedClient, email: string): Promise<Held> {
    const body = { email, password: seedPassword(email) };
    // jar: null: the cookie is held below, not in the client's jars, which other lessons use.
    const session = await client.send({ method: 'POST', path: '/api/v1/auth/login', body: { ...body, mode: 'session' }, jar: null });
    ctx.record(session, 'stateless');
    const token = await client.send({ method: 'POST', path: '/api/v1/auth/login', body: { ...body, mode: 'token' }, jar: null });
    ctx.record(token, 'stateless');
    if (session.status !== 201 || !session.cookie || typeof session.json.sessionHandle !== 'string') {
      throw new AppError('SERVICE_UNAVAILABLE', `${client.id} could not log in with a session: ${session.status} ${session.errorCode ?? ''}`.trim());
    }
    if (token.status !== 201 || typeof token.json.token !== 'string' || typeof token.json.tokenId !== 'string') {
      throw new AppError('SERVICE_UNAVAILABLE', `${client.id} could not log in with a token: ${token.status} ${token.errorCode ?? ''}`.trim());
    }
    const view: LoginView = {
      id: randomUUID(),
      client: client.id,
      clientName: client.name,
      email,
      at: Date.now(),
      sessionHandle: session.json.sessionHandle,
      tokenId: token.json.tokenId,
      tokenExpiresAt: String(token.json.expiresAt ?? ''),
      loginReplicas: { session: session.replica, token: token.replica },
      logout: null,
    };
    return { view, cookie: session.cookie, token: token.json.token };
  }

  async function loginAll(): Promise<LoginView[]> {
    const views: LoginView[] = [];
    for (const [i, client] of ctx.clients.entries()) {
      const login = await loginOne(client, userOf(i));
      held.set(client.id, login);
      ctx.publish('login', login.view);
      views.push(login.view);
    }
    return views;
  }

  /** One logout of each kind, through nginx. The held credentials stay: the client replays them, as a copy would. */
  async function logout(clientId: string): Promise<LoginView> {
    const login = heldBy(clientId);
    if (login.view.logout) throw new AppError('ACTION_NOT_ALLOWED', `${clientId} is already logged out: log every client in again for a new login`);
    const client = ctx.client(clientId);
    const session = await client.send({ method: 'POST', path: '/api/v1/auth/logout', headers: { cookie: login.cookie }, jar: null });
    ctx.record(session, 'stateless');
    const token = await client.send({ method: 'POST', path: '/api/v1/auth/logout', headers: { authorization: `Bearer ${login.token}` }, jar: null });
    ctx.record(token, 'stateless');
    login.view = { ...login.view, logout: { at: Date.now(), session: answerOf(session), token: answerOf(token) } };
    ctx.publish('logout', login.view);
    return login.view;
  }

  /**
   * Every replica, asked on its own port (not through nginx, which would pick one), with each
   * proof in turn. Teaching note: the session cookie is the one the client had before the logout
   * — the logout answer clears it, but a copy (another tab, an attacker) still holds it.
   */
  async function ask(clientId: string): Promise<LogoutGrid> {
    const login = heldBy(clientId);
    const client = ctx.client(clientId);
    const view = login.view;
    const asking: GridAsking = { id: randomUUID(), loginId: view.id, client: client.id, loggedOut: view.logout !== null, replicas: replicas.map((r) => r.id) };
    ctx.publish('asking', asking, { keep: false });
    const cells: GridCell[] = [];
    for (const replica of replicas) {
      for (const { proof, query } of PROOFS) {
        const headers: Record<string, string> = proof === 'session' ? { cookie: login.cookie } : { authorization: `Bearer ${login.token}` };
        const reply = await client.send({ path: `http://${replica.host}:${replica.port}${ME_PATH}${query}`, headers, jar: null, timeoutMs: 10_000 });
        ctx.record(reply, 'stateless', asking.id);
        const cell = cellOf(replica.id, proof, reply);
        cells.push(cell);
        ctx.publish<GridCellEvent>('cell', { askId: asking.id, cell }, { keep: false });
      }
    }
    const grid: LogoutGrid = {
      id: asking.id,
      at: Date.now(),
      loginId: view.id,
      client: client.id,
      email: view.email,
      sessionHandle: view.sessionHandle,
      tokenId: view.tokenId,
      loggedOutAt: view.logout?.at ?? null,
      logout: view.logout ? { session: view.logout.session, token: view.logout.token } : null,
      replicas: asking.replicas,
      cells,
    };
    if (grid.loggedOutAt === null) before = grid;
    else after = grid;
    ctx.publish('grid', grid);
    return grid;
  }

  const router = Router();
  router.post('/login', async (_req, res) => {
    res.json(await exclusive(loginAll));
  });
  router.post('/logout', async (req, res) => {
    const { client } = clientBody.parse(req.body ?? {});
    res.json(await exclusive(() => logout(client)));
  });
  router.post('/ask', async (req, res) => {
    const { client } = clientBody.parse(req.body ?? {});
    res.json(await exclusive(() => ask(client)));
  });
  return {
    router,
    snapshot: (): LogoutSnapshot => ({ logins: [...held.values()].map((l) => l.view), before, after }),
    reset: () => {
      held.clear();
      before = null;
      after = null;
    },
    stop: () => held.clear(),
  };
}

// ---- the checks: read the kept 'grid' events only ----

const MIN_REPLICAS = 2;
const gridsOf = (history: LabHistory) => history.lessonEventsOf<LogoutGrid>(LOGOUT_LESSON, 'grid').map((e) => e.data);
const column = (g: LogoutGrid, proof: Proof) => g.cells.filter((c) => c.proof === proof);
const shown = (c: GridCell) => `${c.replica} ${c.status === 0 ? 'no answer' : c.status}${c.errorCode ? ` ${c.errorCode}` : ''}`;
const labelOf = (proof: Proof) => PROOFS.find((p) => p.proof === proof)!.label;

/** The newest grid of a phase, or a failed part that says what to press. */
function latestGrid(history: LabHistory, loggedOut: boolean): { grid: LogoutGrid } | { missing: CheckPart } {
  const grid = gridsOf(history).filter((g) => (g.loggedOutAt !== null) === loggedOut).at(-1);
  if (grid) return { grid };
  return loggedOut
    ? { missing: part('a client asked every replica after its logout', false, 'no grid asked after a logout since the last reset — in Logging out, press **Log out** on a client, then **Ask every replica** on the same client') }
    : { missing: part('a client asked every replica while logged in', false, 'no grid asked while logged in since the last reset — in Logging out, press **Log every client in**, then **Ask every replica** on a client') };
}

/** Every replica answered (a stopped one answers nothing, and "everywhere" needs at least two). */
function everyReplicaAnswered(g: LogoutGrid): CheckPart {
  const silent = [...new Set(g.cells.filter((c) => c.status === 0).map((c) => c.replica))];
  const enough = g.replicas.length >= MIN_REPLICAS;
  const detail = silent.length
    ? `${silent.join(', ')} gave no answer — start every replica in Cluster and ask again`
    : `${g.client} (${g.email}) asked ${g.replicas.length} replicas on their own ports: ${g.replicas.join(', ')}${enough ? '' : ` — need at least ${MIN_REPLICAS}`}`;
  return part('every replica asked directly', silent.length === 0 && enough, detail);
}

/** One column of the grid: accepted by every replica, or refused by every replica with `code`. */
function judgeColumn(g: LogoutGrid, proof: Proof, expect: { accepted: true } | { accepted: false; code: string }, why: string): CheckPart {
  const cells = column(g, proof);
  const accepted = cells.filter((c) => c.accepted).length;
  const answers = cells.map(shown).join(', ');
  const label = labelOf(proof);
  if (expect.accepted) {
    const ok = cells.length > 0 && accepted === cells.length;
    const whyNot = ok ? '' : refusedBecause(cells);
    return part(`${label}: accepted by every replica`, ok, `${accepted} of ${cells.length} replicas accepted it (${answers})${ok ? ` — ${why}` : whyNot}`);
  }
  const wrong = cells.filter((c) => c.status !== 401 || c.errorCode !== expect.code);
  const ok = cells.length > 0 && wrong.length === 0;
  return part(
    `${label}: refused by every replica`,
    ok,
    `${cells.length - accepted} of ${cells.length} replicas refused it (${answers})${ok ? ` — ${why}` : ` — each should answer 401 ${expect.code}${refusedBecause(wrong)}`}`,
  );
}

/** Why refused cells were refused, when the reason is not the lesson's. */
function refusedBecause(cells: GridCell[]): string {
  if (cells.some((c) => c.errorCode === 'TOKEN_INVALID')) return ' — the token expired (JWT_TTL_SECONDS, 5 min by default): log every client in again';
  if (cells.some((c) => c.errorCode === 'TOKEN_REVOKED')) return ' — this cluster reads the denylist on every request (JWT_DENYLIST=true): the plain token column cannot show a token outliving its logout here';
  if (cells.some((c) => c.status >= 500 || c.status === 0)) return ' — a replica or Redis is down: start them in Cluster and ask again';
  return '';
}

function judgeBefore(history: LabHistory): CheckPart[] {
  const found = latestGrid(history, false);
  if ('missing' in found) return [found.missing];
  const { grid } = found;
  return [
    everyReplicaAnswered(grid),
    judgeColumn(grid, 'session', { accepted: true }, 'each replica read the same Redis key'),
    judgeColumn(grid, 'token', { accepted: true }, 'each replica verified the signature alone'),
    judgeColumn(grid, 'token-denylist', { accepted: true }, 'the denylist does not list it yet'),
  ];
}

const logoutText = (g: LogoutGrid) => `logged out through nginx on ${g.logout?.session.replica ?? 'no replica'} (session) and ${g.logout?.token.replica ?? 'no replica'} (token)`;

/** Both logouts answered 204: otherwise the grid after it shows nothing about logging out. */
function loggedOut(g: LogoutGrid): CheckPart {
  const answers = (['session', 'token'] as const).map((kind) => {
    const a = g.logout![kind];
    return { kind, a, ok: a.status === 204 };
  });
  const failed = answers.filter((x) => !x.ok);
  const detail = answers.map(({ kind, a }) => `${kind} logout ${a.status === 0 ? 'no answer' : a.status}${a.errorCode ? ` ${a.errorCode}` : ''} from ${a.replica ?? 'no replica'}`).join(', ');
  return part('both logouts answered 204', failed.length === 0, `${detail}${failed.length ? ' — is Redis up? Log every client in again and log out once it is' : ''}`);
}

function judgeSessionEnds(history: LabHistory): CheckPart[] {
  const found = latestGrid(history, true);
  if ('missing' in found) return [found.missing];
  const { grid } = found;
  return [
    loggedOut(grid),
    everyReplicaAnswered(grid),
    judgeColumn(grid, 'session', { accepted: false, code: 'NOT_AUTHENTICATED' }, `${logoutText(grid)}; the client replayed its old cookie, but the Redis key ${grid.sessionHandle} is gone for every replica at once`),
  ];
}

function judgeTokenLives(history: LabHistory): CheckPart[] {
  const found = latestGrid(history, true);
  if ('missing' in found) return [found.missing];
  const { grid } = found;
  return [
    loggedOut(grid),
    everyReplicaAnswered(grid),
    judgeColumn(grid, 'token', { accepted: true }, `${logoutText(grid)}; nothing a replica checks alone changed: the token lives until it expires`),
    judgeColumn(grid, 'token-denylist', { accepted: false, code: 'TOKEN_REVOKED' }, `the logout listed token id ${grid.tokenId.slice(0, 8)}… in Redis, and every replica that reads the list refuses it — one Redis read per request`),
  ];
}

export const lesson09: Lesson = {
  worksheet: {
    id: 9,
    slug: LOGOUT_LESSON,
    title: 'Logging out: a server session ends everywhere, a token does not',
    panel: 'logout',
    views: ['logout', 'stream', 'cluster'],
    summary:
      'Every virtual client logs in as a seeded user twice: with a server session (a cookie naming one Redis key) and with a signed token (a JWT any replica verifies alone). Log one client out and ask every replica: the session is refused everywhere at once, the token is still accepted — unless the replica reads the Redis denylist.',
    doc: 'docs/labs.md#9-logging-out-a-server-session-ends-everywhere-a-token-does-not',
    steps: [
      {
        id: 'logged-in',
        title: 'Log in and ask every replica',
        text: 'In **Logging out**, press **Log every client in**: each virtual client logs in as a seeded user (`ada@statelab.test` with `statelab-ada`, …) once with `mode: "session"` and once with `mode: "token"`. Then press **Ask every replica** on one client: it asks `GET /api/v1/auth/me` of each replica on its own port, with the cookie, with the token, and with the token and `?denylist=on`.\n\n**Predict, then watch for:** the logins went through nginx to one replica each. Which replicas will accept the session, and which the token? Watch the *Before the logout* grid fill.',
        check: 'logout-before',
        hints: [
          'A session is a Redis key every replica reads; a token is a signed claim every replica can verify with the shared key, storing nothing.',
          'The check needs one grid asked while the client was logged in, with an answer from every replica.',
        ],
        solution: 'Logging out → **Log every client in**, then **Ask every replica** on client-1: all nine squares say accepted (200) — three replicas × session, token, token + denylist.',
      },
      {
        id: 'session-ends',
        title: 'Log the client out: the session ends everywhere',
        text: 'Press **Log out** on the same client (one `POST /api/v1/auth/logout` with the cookie and one with the token, through nginx), then **Ask every replica** again. The client replays the cookie it had before, as a copy of it in another tab (or an attacker) would.\n\n**Predict, then watch for:** the logout reached one replica. What do the *other* replicas say to the old cookie? Watch the session column of the *After the logout* grid.',
        check: 'logout-session-ends',
        hints: [
          'Logging out deleted the session\'s Redis key; every replica looks the cookie up in the same Redis.',
          'The check reads the newest grid asked after a logout: every replica must answer `401 NOT_AUTHENTICATED` to the session.',
        ],
        solution: 'Logging out → **Log out** on client-1, then **Ask every replica**: the session column says refused (401 NOT_AUTHENTICATED) on all three replicas, including the two that never saw the logout.',
      },
      {
        id: 'token-lives',
        title: 'The token does not end — unless the replica reads the denylist',
        text: 'Read the two token columns of the same *After the logout* grid.\n\n**Predict, then watch for:** the logout put the token\'s id on a denylist in Redis. Does a replica that only checks the signature and the expiry know? And one asked with `?denylist=on`? What does that second column cost each request?',
        check: 'logout-token-lives',
        hints: [
          'Without the denylist a replica checks the signature and `exp` — nothing the logout changed. The token lives until it expires (`JWT_TTL_SECONDS`, 5 minutes).',
          'With the denylist every request reads Redis: revocation works, and the "stateless" token is stateful again.',
          'If the token column is refused with TOKEN_INVALID, the token expired: log every client in again and repeat.',
        ],
        solution: 'In the *After the logout* grid: **token** accepted (200) by 3 of 3 replicas; **token + denylist** refused (401 TOKEN_REVOKED) by 3 of 3.',
      },
    ],
  },
  checks: {
    'logout-before': ({ history }) => judgeBefore(history),
    'logout-session-ends': ({ history }) => judgeSessionEnds(history),
    'logout-token-lives': ({ history }) => judgeTokenLives(history),
  },
  start: startLogout,
};
