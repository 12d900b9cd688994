import { checkLab } from '../../lab/lab-checks';
import { LabHistory } from '../../lab/lab-history';
import type { LessonEvent } from '../../lab/lab-types';
import { WORKSHEETS } from '../../lab/worksheets';
import {
  ADMIN_LESSON,
  type AuditRead,
  type AuditRow,
  type LoginRound,
  type ReplicaAsked,
  type Revocation,
  type SessionsWalk,
} from '../../lab/lessons/12-admin-api.contract';

const REPLICAS = ['app-1', 'app-2', 'app-3'];
const KEYS = { read: 'aaaaaaaaaaaa', write: 'bbbbbbbbbbbb' };
const HANDLES = ['1111111111111111', '2222222222222222', '3333333333333333'];
const EMAILS = ['ada@statelab.test', 'alan@statelab.test', 'grace@statelab.test'];

let clock = 1_000;
function publish<T>(history: LabHistory, kind: string, data: T): void {
  clock += 1_000;
  const event: LessonEvent<T> = { type: 'lesson', lesson: ADMIN_LESSON, kind, at: clock, data: { ...data, at: clock } };
  history.recordLessonEvent(event);
}

function logins(history: LabHistory, statuses = [201, 201, 201]): void {
  publish<LoginRound>(history, 'logins', {
    id: 'l', at: 0, held: [],
    logins: statuses.map((status, i) => ({ client: `client-${i + 1}`, email: EMAILS[i]!, handle: status === 201 ? HANDLES[i]! : null, status, errorCode: status === 201 ? null : 'DATABASE_UNAVAILABLE', replica: REPLICAS[i]! })),
  });
}

function walk(history: LabHistory, overrides: Partial<SessionsWalk> = {}, handles = HANDLES): void {
  publish<SessionsWalk>(history, 'walk', {
    id: 'w', at: 0, keyId: KEYS.read, count: 100, complete: true, credentialsSeen: 0,
    pages: [
      { cursor: '0', nextCursor: '48', items: 2, status: 200, errorCode: null, replica: 'app-1' },
      { cursor: '48', nextCursor: '12', items: 0, status: 200, errorCode: null, replica: 'app-2' },
      { cursor: '12', nextCursor: null, items: 1, status: 200, errorCode: null, replica: 'app-3' },
    ],
    sessions: handles.map((handle, i) => ({ handle, email: EMAILS[i]!, name: 'x', createdBy: 'app-1', ttlSeconds: 3600, client: `client-${i + 1}` })),
    ...overrides,
  });
}

const asked = (status: number, answeredBy?: (target: string) => string): ReplicaAsked[] =>
  REPLICAS.map((target) => ({ target, status, errorCode: status === 401 ? 'NOT_AUTHENTICATED' : null, replica: answeredBy ? answeredBy(target) : target }));

function revoke(history: LabHistory, overrides: Partial<Revocation> = {}): void {
  publish<Revocation>(history, 'revoke', {
    id: 'r', at: 0, client: 'client-2', email: EMAILS[1]!, handle: HANDLES[1]!, keys: KEYS,
    before: asked(200),
    withReadKey: { status: 403, errorCode: 'API_KEY_SCOPE', replica: 'app-3' },
    withWriteKey: { status: 204, errorCode: null, replica: 'app-2' },
    after: asked(401),
    replicas: REPLICAS,
    held: [],
    ...overrides,
  });
}

const row = (id: number, action: string, actor: string, target: string | null, instance: string): AuditRow => ({ id: String(id), action, actor, target, instance, at: new Date(clock).toISOString() });

function auditRead(history: LabHistory, rows: AuditRow[], status = 200): void {
  publish<AuditRead>(history, 'audit', { id: 'a', at: 0, keyId: KEYS.read, limit: 50, rows, status, errorCode: status === 200 ? null : 'DATABASE_UNAVAILABLE', replica: 'app-1' });
}

const goodRows = () => [row(9, 'ADMIN_SESSION_REVOKED', `key:${KEYS.write}`, HANDLES[1]!, 'app-2'), row(8, 'ADMIN_SCOPE_DENIED', `key:${KEYS.read}`, null, 'app-3')];
const step = (history: LabHistory, id: string) => checkLab(12, { history, components: [] })!.steps.find((s) => s.step === id)!;

describe('lesson 12: the admin API', () => {
  test('when the worksheet is listed, then it is lesson 12, in order, and every step says what to predict', () => {
    const ids = WORKSHEETS.map((w) => w.id);
    expect(ids.indexOf(12)).toBe(ids.indexOf(11) + 1);
    const sheet = WORKSHEETS.find((w) => w.id === 12)!;
    expect(sheet).toMatchObject({ slug: 'admin', panel: 'admin' });
    for (const s of sheet.steps) {
      expect(s.text).toContain('**Predict, then watch for:**');
      expect(s.hints.length).toBeGreaterThan(0);
      expect(s.solution).not.toBe('');
    }
  });

  test('when nothing was done, then every step fails and says which button to press', () => {
    const report = checkLab(12, { history: new LabHistory(), components: [] })!;
    expect(report.passed).toBe(false);
    for (const s of report.steps) expect(s.parts[0]!.detail).toMatch(/press \*\*|first/);
  });

  test('when three students logged in, then the login step passes and names each handle, never more', () => {
    const history = new LabHistory();
    logins(history);
    const s = step(history, 'logins');
    expect(s.passed).toBe(true);
    expect(s.parts[0]!.detail).toContain('3 of 3 logged in');
    expect(s.parts[0]!.detail).toContain('ada@statelab.test → handle 111111…');
  });

  test('when only one login succeeded, then the login step fails and says why the others failed', () => {
    const history = new LabHistory();
    logins(history, [201, 503, 503]);
    expect(step(history, 'logins').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('2 failed: alan@statelab.test 503 DATABASE_UNAVAILABLE') });
  });

  test('when the walk ended at cursor 0 and listed every student, with no secret, then the listing step passes', () => {
    const history = new LabHistory();
    logins(history);
    walk(history);
    const s = step(history, 'listed');
    expect(s.passed).toBe(true);
    expect(s.parts[0]!.detail).toBe('3 pages of SCAN COUNT 100 (1 empty), answered by app-1, app-2, app-3; the last page\'s nextCursor was null');
    expect(s.parts[1]!.detail).toBe('3 of the students\' handles among 3 listed logins');
  });

  test('when the walk stopped early, missed a student, or carried a cookie secret, then the listing step fails with the reason', () => {
    const stopped = new LabHistory();
    logins(stopped);
    walk(stopped, { complete: false });
    expect(step(stopped, 'listed').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('a larger COUNT') });

    const missing = new LabHistory();
    logins(missing);
    walk(missing, {}, HANDLES.slice(0, 2));
    expect(step(missing, 'listed').parts[1]).toMatchObject({ passed: false, detail: 'not listed: grace@statelab.test (333333…)' });

    const leaked = new LabHistory();
    logins(leaked);
    walk(leaked, { credentialsSeen: 2 });
    expect(step(leaked, 'listed').parts[2]).toMatchObject({ passed: false, detail: '2 answers carried a student\'s cookie secret' });
  });

  test('when the walk came before the latest logins, then it does not count', () => {
    const history = new LabHistory();
    walk(history);
    logins(history);
    expect(step(history, 'listed').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('no listing since the students logged in') });
  });

  test('when the read key got 403, the write key 204, and every replica went from 200 to 401, then the revoke step passes', () => {
    const history = new LabHistory();
    revoke(history);
    const s = step(history, 'revoked');
    expect(s.passed).toBe(true);
    expect(s.parts.map((p) => p.name)).toEqual(['the read key may not revoke', 'the write key revoked it', 'every replica let the student in before', 'every replica refuses the student after']);
    expect(s.parts[3]!.detail).toContain('app-1 401 NOT_AUTHENTICATED, app-2 401 NOT_AUTHENTICATED, app-3 401 NOT_AUTHENTICATED — 3 of 3 replicas');
  });

  test('when a replica still let the student in after the revoke, or the read key was allowed, then the revoke step fails', () => {
    const stale = new LabHistory();
    revoke(stale, { after: [...asked(401).slice(0, 2), { target: 'app-3', status: 200, errorCode: null, replica: 'app-3' }] });
    expect(step(stale, 'revoked').parts[3]).toMatchObject({ passed: false, detail: expect.stringContaining('2 of 3 replicas') });

    const readAllowed = new LabHistory();
    revoke(readAllowed, { withReadKey: { status: 204, errorCode: null, replica: 'app-1' } });
    expect(step(readAllowed, 'revoked').parts[0]).toMatchObject({ passed: false });
  });

  test('when an answer came from another replica than the one asked (nginx, not its port), then it does not count for that replica', () => {
    const history = new LabHistory();
    revoke(history, { after: asked(401, () => 'app-1') });
    expect(step(history, 'revoked').parts[3]).toMatchObject({ passed: false, detail: expect.stringContaining('app-2 401 NOT_AUTHENTICATED (answered by app-1)') });
  });

  test('when the audit read after the revoke has its row by the write key from the replica that answered, and the 403, then the audit step passes', () => {
    const history = new LabHistory();
    revoke(history);
    auditRead(history, goodRows());
    const s = step(history, 'audited');
    expect(s.passed).toBe(true);
    expect(s.parts[0]!.detail).toBe('row 9: ADMIN_SESSION_REVOKED by key:bbbbbbbbbbbb on 222222…, written by app-2 (the 204 came from app-2)');
  });

  test('when the audit read came before the revoke, lacks its row, names another actor, or failed, then the audit step fails', () => {
    const early = new LabHistory();
    auditRead(early, goodRows());
    revoke(early);
    expect(step(early, 'audited').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('no audit read since the revoke') });

    const without = new LabHistory();
    revoke(without);
    auditRead(without, [row(8, 'ADMIN_SCOPE_DENIED', `key:${KEYS.read}`, null, 'app-3')]);
    expect(step(without, 'audited').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('read more rows') });

    const otherActor = new LabHistory();
    revoke(otherActor);
    auditRead(otherActor, [row(9, 'ADMIN_SESSION_REVOKED', 'key:cccccccccccc', HANDLES[1]!, 'app-2'), goodRows()[1]!]);
    expect(step(otherActor, 'audited').parts[0]!.passed).toBe(false);

    const failed = new LabHistory();
    revoke(failed);
    auditRead(failed, [], 503);
    expect(step(failed, 'audited').parts[0]).toMatchObject({ passed: false, detail: expect.stringContaining('503 DATABASE_UNAVAILABLE') });
  });

  test('when every step was done in order, then the whole worksheet passes', () => {
    const history = new LabHistory();
    logins(history);
    walk(history);
    revoke(history);
    auditRead(history, goodRows());
    expect(checkLab(12, { history, components: [] })!.passed).toBe(true);
  });
});
