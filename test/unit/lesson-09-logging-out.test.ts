import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { Exchange } from '../../cluster/simulated-client';
import { AppError } from '../../src/errors/app-error';
import { errorHandler } from '../../src/errors/error-middleware';
import { checkLab } from '../../lab/lab-checks';
import { LabHistory } from '../../lab/lab-history';
import type { LessonEvent } from '../../lab/lab-types';
import { cellOf, lesson09, userOf } from '../../lab/lessons/09-logging-out';
import type { LessonContext } from '../../lab/lessons/lesson';
import { LOGOUT_LESSON, PROOFS, type GridCell, type LogoutAnswer, type LogoutGrid, type Proof } from '../../lab/lessons/09-logging-out.contract';

const REPLICAS = ['app-1', 'app-2', 'app-3'];

function reply(status: number, json: Record<string, unknown> = {}): Exchange {
  const error = json.error as { code?: string } | undefined;
  return {
    client: 'client-1', at: Date.now(), method: 'GET', path: '/api/v1/auth/me', status, replica: 'app-1', upstream: null, retried: false, latencyMs: 1,
    requestId: null, errorCode: error?.code ?? null, headers: {}, text: '', json, cookie: undefined,
  };
}

const accepted = (replica: string, proof: Proof): GridCell => ({ replica, proof, status: 200, errorCode: null, accepted: true, denylistChecked: proof === 'session' ? null : proof === 'token-denylist' });
const refused = (replica: string, proof: Proof, code: string, status = 401): GridCell => ({ replica, proof, status, errorCode: code, accepted: false, denylistChecked: null });

/** What a grid looks like after a logout, as the cluster answers it (docs/labs.md §9). */
function afterLogout(replica: string, proof: Proof): GridCell {
  if (proof === 'session') return refused(replica, proof, 'NOT_AUTHENTICATED');
  if (proof === 'token') return accepted(replica, proof);
  return refused(replica, proof, 'TOKEN_REVOKED');
}

const ok204: LogoutAnswer = { status: 204, errorCode: null, replica: 'app-2' };

function grid(history: LabHistory, loggedOut: boolean, cell: (replica: string, proof: Proof) => GridCell, extra: Partial<LogoutGrid> = {}): LogoutGrid {
  const data: LogoutGrid = {
    id: `g${history.lessonEvents.length}`,
    at: Date.now(),
    loginId: 'login-1',
    client: 'client-1',
    email: 'ada@statelab.test',
    sessionHandle: '0123456789abcdef',
    tokenId: 'f0e1d2c3-b4a5-4697-8877-665544332211',
    loggedOutAt: loggedOut ? Date.now() : null,
    logout: loggedOut ? { session: ok204, token: { ...ok204, replica: 'app-3' } } : null,
    replicas: REPLICAS,
    cells: REPLICAS.flatMap((r) => PROOFS.map(({ proof }) => cell(r, proof))),
    ...extra,
  };
  const event: LessonEvent = { type: 'lesson', lesson: LOGOUT_LESSON, kind: 'grid', at: data.at, data };
  history.recordLessonEvent(event);
  return data;
}

const step = (history: LabHistory, id: string) => checkLab(9, { history, components: [] })!.steps.find((s) => s.step === id)!;
const partNamed = (history: LabHistory, id: string, name: string) => step(history, id).parts.find((p) => p.name === name);

describe('lesson 9: logging out — a server session ends everywhere, a token does not', () => {
  test('when a replica answers /me, then a cell is accepted only for a 200 by that very proof, and says whether the denylist was read', () => {
    expect(cellOf('app-1', 'session', reply(200, { via: 'session' }))).toMatchObject({ accepted: true, denylistChecked: null });
    expect(cellOf('app-1', 'token-denylist', reply(200, { via: 'token', denylistChecked: true }))).toMatchObject({ accepted: true, denylistChecked: true });
    // A 200 that proved itself some other way does not count for this column.
    expect(cellOf('app-1', 'session', reply(200, { via: 'token' })).accepted).toBe(false);
    expect(cellOf('app-2', 'token', reply(401, { error: { code: 'TOKEN_REVOKED' } }))).toMatchObject({ accepted: false, status: 401, errorCode: 'TOKEN_REVOKED' });
  });

  test('when the eight clients log in, then each is a seeded user, in turn', () => {
    expect([0, 1, 4, 5].map(userOf)).toEqual(['ada@statelab.test', 'alan@statelab.test', 'barbara@statelab.test', 'ada@statelab.test']);
  });

  test('when nothing was asked, then every step fails and says which buttons to press', () => {
    const report = checkLab(9, { history: new LabHistory(), components: [] })!;
    expect(report.passed).toBe(false);
    expect(report.steps.map((s) => s.step)).toEqual(['logged-in', 'session-ends', 'token-lives']);
    expect(report.steps[0]!.parts[0]!.detail).toMatch(/Log every client in.*Ask every replica/);
    for (const s of report.steps.slice(1)) expect(s.parts[0]!.detail).toMatch(/Log out.*Ask every replica/);
  });

  test('when every replica accepted all three proofs while logged in, then the first step passes and says why', () => {
    const history = new LabHistory();
    grid(history, false, accepted);
    const s = step(history, 'logged-in');
    expect(s.passed).toBe(true);
    expect(s.parts.find((p) => p.name === 'session: accepted by every replica')!.detail).toBe('3 of 3 replicas accepted it (app-1 200, app-2 200, app-3 200) — each replica read the same Redis key');
    expect(s.parts[0]!.detail).toContain('asked 3 replicas on their own ports: app-1, app-2, app-3');
    // A grid before the logout says nothing about after it.
    expect(step(history, 'session-ends').passed).toBe(false);
  });

  test('when a replica gave no answer, then the step fails and says to start it', () => {
    const history = new LabHistory();
    grid(history, false, (r, p) => (r === 'app-2' ? refused(r, p, 'ECONNREFUSED', 0) : accepted(r, p)));
    const s = step(history, 'logged-in');
    expect(s.passed).toBe(false);
    expect(s.parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('app-2 gave no answer — start every replica') });
  });

  test('when after the logout the session is refused everywhere, the token accepted everywhere and the denylisted token refused everywhere, then the last two steps pass', () => {
    const history = new LabHistory();
    grid(history, true, afterLogout);
    expect(step(history, 'session-ends').passed).toBe(true);
    expect(step(history, 'token-lives').passed).toBe(true);
    expect(partNamed(history, 'session-ends', 'session: refused by every replica')!.detail).toContain('3 of 3 replicas refused it (app-1 401 NOT_AUTHENTICATED, app-2 401 NOT_AUTHENTICATED, app-3 401 NOT_AUTHENTICATED) — logged out through nginx on app-2 (session) and app-3 (token)');
    expect(partNamed(history, 'token-lives', 'token: accepted by every replica')!.detail).toContain('3 of 3 replicas accepted it');
    expect(partNamed(history, 'token-lives', 'token + denylist: refused by every replica')!.detail).toContain('token id f0e1d2c3…');
  });

  test('when one replica still accepted the old session cookie, then the session step fails', () => {
    const history = new LabHistory();
    grid(history, true, (r, p) => (r === 'app-3' && p === 'session' ? accepted(r, p) : afterLogout(r, p)));
    expect(partNamed(history, 'session-ends', 'session: refused by every replica')).toMatchObject({ passed: false, detail: expect.stringContaining('2 of 3 replicas refused it') });
  });

  test('when the cluster reads the denylist on every request, then the token step fails and says JWT_DENYLIST=true', () => {
    const history = new LabHistory();
    grid(history, true, (r, p) => (p === 'token' ? refused(r, p, 'TOKEN_REVOKED') : afterLogout(r, p)));
    expect(partNamed(history, 'token-lives', 'token: accepted by every replica')).toMatchObject({ passed: false, detail: expect.stringContaining('JWT_DENYLIST=true') });
    expect(step(history, 'session-ends').passed).toBe(true);
  });

  test('when the token expired before the ask, then the token step fails and says to log in again', () => {
    const history = new LabHistory();
    grid(history, true, (r, p) => (p === 'session' ? afterLogout(r, p) : refused(r, p, 'TOKEN_INVALID')));
    expect(partNamed(history, 'token-lives', 'token: accepted by every replica')).toMatchObject({ passed: false, detail: expect.stringContaining('expired') });
    expect(partNamed(history, 'token-lives', 'token + denylist: refused by every replica')).toMatchObject({ passed: false, detail: expect.stringContaining('each should answer 401 TOKEN_REVOKED') });
  });

  test('when a logout did not answer 204 (Redis down), then both logout steps fail and say so', () => {
    const history = new LabHistory();
    grid(history, true, afterLogout, { logout: { session: { status: 503, errorCode: 'REDIS_UNAVAILABLE', replica: 'app-1' }, token: ok204 } });
    for (const id of ['session-ends', 'token-lives']) {
      expect(partNamed(history, id, 'both logouts answered 204')).toMatchObject({ passed: false, detail: expect.stringContaining('session logout 503 REDIS_UNAVAILABLE from app-1') });
    }
  });

  test('when a later grid after a logout is worse, then the checks judge the newest one', () => {
    const history = new LabHistory();
    grid(history, true, afterLogout);
    grid(history, true, (r, p) => (r === 'app-1' && p === 'token-denylist' ? accepted(r, p) : afterLogout(r, p)));
    expect(step(history, 'token-lives').passed).toBe(false);
  });
});

// ---- the runtime, with a fake cluster behind the one simulated client: where the credentials go ----

const SECRET_COOKIE = `statelab.login=0123456789abcdef.${'s'.repeat(43)}`;
const SECRET_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwianRpIjoiajEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

/** One fake client: answers the auth routes as the cluster would, and refuses credentials it did not hand out. */
function fakeClient(id: string) {
  let loggedOut = false;
  const answer = (path: string, status: number, json: Record<string, unknown>, cookie?: string): Exchange => ({
    // Asked directly on 127.0.0.1:300N, replica app-N answers; through "nginx", app-2.
    ...reply(status, json), client: id, path, replica: `app-${/^http:\/\/127\.0\.0\.1:300(\d)\//.exec(path)?.[1] ?? 2}`, cookie,
  });
  return {
    id,
    name: id,
    address: '127.0.1.1',
    send: async ({ method = 'GET', path, body, headers = {} }: { method?: string; path: string; body?: { mode?: string }; headers?: Record<string, string> }): Promise<Exchange> => {
      const session = headers.cookie === SECRET_COOKIE;
      const token = headers.authorization === `Bearer ${SECRET_TOKEN}`;
      if (method === 'POST' && path === '/api/v1/auth/login') {
        return body?.mode === 'session'
          ? answer(path, 201, { mode: 'session', sessionHandle: '0123456789abcdef' }, SECRET_COOKIE)
          : answer(path, 201, { mode: 'token', token: SECRET_TOKEN, tokenId: 'f0e1d2c3-b4a5-4697-8877-665544332211', expiresAt: '2026-12-04T20:00:00.000Z' });
      }
      if (method === 'POST' && path === '/api/v1/auth/logout') {
        if (!session && !token) return answer(path, 401, { error: { code: 'NOT_AUTHENTICATED' } });
        loggedOut = true;
        return answer(path, 204, {});
      }
      if (session) return loggedOut ? answer(path, 401, { error: { code: 'NOT_AUTHENTICATED' } }) : answer(path, 200, { via: 'session' });
      if (token) return loggedOut && path.endsWith('?denylist=on') ? answer(path, 401, { error: { code: 'TOKEN_REVOKED' } }) : answer(path, 200, { via: 'token', denylistChecked: path.endsWith('?denylist=on') });
      return answer(path, 401, { error: { code: 'NOT_AUTHENTICATED' } });
    },
  };
}

function runtimeWithFakes() {
  const clients = [fakeClient('client-1'), fakeClient('client-2')];
  const published: LessonEvent[] = [];
  const recordedPaths: string[] = [];
  const history = new LabHistory();
  const ctx = {
    slug: LOGOUT_LESSON,
    clients,
    client: (id: string) => {
      const found = clients.find((c) => c.id === id);
      if (!found) throw new AppError('VALIDATION_FAILED', `no client ${id}`);
      return found;
    },
    record: (e: Exchange) => recordedPaths.push(e.path),
    publish: (kind: string, data: unknown, { keep = true } = {}) => {
      const event: LessonEvent = { type: 'lesson', lesson: LOGOUT_LESSON, kind, at: Date.now(), data };
      published.push(event);
      if (keep) history.recordLessonEvent(event);
      return event;
    },
    cluster: { topology: { replicas: REPLICAS.map((id, i) => ({ id, host: '127.0.0.1', port: 3001 + i })) } },
  } as unknown as LessonContext;
  const runtime = lesson09.start!(ctx);
  const app = express();
  app.use(express.json());
  app.use(runtime.router!);
  app.use(errorHandler(pino({ level: 'silent' })));
  return { app, runtime, published, recordedPaths, history };
}

describe('lesson 9 runtime: the credentials stay in the controller', () => {
  test('when a client logs in, out and asks every replica, then no answer, event or snapshot carries the cookie or the token, and the checks pass on what it published', async () => {
    const { app, runtime, published, recordedPaths, history } = runtimeWithFakes();
    const answers = [
      await request(app).post('/login').send({}),
      await request(app).post('/ask').send({ client: 'client-1' }),
      await request(app).post('/logout').send({ client: 'client-1' }),
      await request(app).post('/ask').send({ client: 'client-1' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const seen = JSON.stringify({ answers: answers.map((a) => a.body), published, snapshot: runtime.snapshot!(), recordedPaths });
    for (const secret of [SECRET_TOKEN, SECRET_COOKIE, SECRET_COOKIE.split('=')[1]!]) expect(seen).not.toContain(secret);
    expect(seen).toContain('0123456789abcdef');
    // Every replica was asked on its own port, three proofs each, twice.
    expect(recordedPaths.filter((p) => p.startsWith('http://127.0.0.1:3002/api/v1/auth/me'))).toHaveLength(6);
    expect(checkLab(9, { history, components: [] })!.passed).toBe(true);
  });

  test('when a client is unknown, not logged in, or the body is wrong, then 400 or 409 in the JSON error shape', async () => {
    const { app } = runtimeWithFakes();
    expect((await request(app).post('/ask').send({ client: 'client-1' })).body.error.code).toBe('ACTION_NOT_ALLOWED');
    expect((await request(app).post('/ask').send({ client: 'client-9' })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await request(app).post('/logout').send({ client: 'client-1', token: 'x' })).status).toBe(400);
    await request(app).post('/login').send({});
    expect((await request(app).post('/logout').send({ client: 'client-2' })).status).toBe(200);
    expect((await request(app).post('/logout').send({ client: 'client-2' })).body.error.code).toBe('ACTION_NOT_ALLOWED');
  });

  test('when the lab is reset, then the lesson forgets the logins and their credentials', async () => {
    const { app, runtime } = runtimeWithFakes();
    await request(app).post('/login').send({});
    runtime.reset!();
    expect(runtime.snapshot!()).toEqual({ logins: [], before: null, after: null });
    expect((await request(app).post('/ask').send({ client: 'client-1' })).body.error.code).toBe('ACTION_NOT_ALLOWED');
  });
});
