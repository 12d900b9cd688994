// Lesson 15's checks on synthetic history (make, back up, the accident, restore, look: each after
// the one before), and the list of backups read from a folder. test/e2e/lesson-15-backup-restore.test.ts
// does it for real.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { checkLab } from '../../lab/lab-checks';
import { LabHistory } from '../../lab/lab-history';
import type { CheckPart } from '../../lab/lab-types';
import type { LessonContext } from '../../lab/lessons/lesson';
import { lesson15, listBackups } from '../../lab/lessons/15-backup-restore';
import { errorHandler } from '../../src/errors/error-middleware';
import { BACKUP_LESSON, type Accident, type BackupTaken, type ConversationMade, type Look, type Restored } from '../../lab/lessons/15-backup-restore.contract';

const IDS = ['11111111-aaaa-4aaa-8aaa-000000000001', '22222222-aaaa-4aaa-8aaa-000000000002', '33333333-aaaa-4aaa-8aaa-000000000003'];
const COUNTS = { users: 5, products: 50, messages: 3, sessions: 9 };

const conversation: ConversationMade = { at: 1_000, client: 'backup-restore-1', session: 'abcdefgh', messageIds: IDS, createdBy: 'app-1' };
const taken = (at: number, holdsConversation = true): BackupTaken => ({
  at, ok: true, error: null, backup: { name: `b-${at}`, createdAt: new Date(at).toISOString(), counts: COUNTS }, durationMs: 300, holdsConversation,
});
const accident: Accident = { at: 3_000, session: 'abcdefgh', messagesDeleted: 3, messagesAfter: { status: 200, ids: [] }, sessionDeleteStatus: 204, sessionAfter: { status: 401, errorCode: 'NO_SESSION' } };
const look = (extra: Partial<Look> = {}): Look => ({
  at: 4_500, session: { status: 200, errorCode: null, handle: 'abcdefgh', same: true, servedBy: 'app-2' }, messages: { status: 200, errorCode: null, ids: [...IDS].reverse() }, expectedIds: IDS, ...extra,
});
const restored = (extra: Partial<Restored> = {}): Restored => ({
  at: 4_000, backup: 'b-2000', ok: true, error: null, seconds: 3.2, expected: COUNTS, restored: COUNTS, holdsConversation: true, look: look(), ...extra,
});

function historyOf(...events: [kind: string, at: number, data: unknown][]): LabHistory {
  const history = new LabHistory();
  for (const [kind, at, data] of events) history.recordLessonEvent({ type: 'lesson', lesson: BACKUP_LESSON, kind, at, data });
  return history;
}

const steps = (history: LabHistory) => Object.fromEntries(checkLab(15, { history, components: [] })!.steps.map((s) => [s.step, s.parts]));
const byName = (parts: CheckPart[] | undefined, name: string) => parts!.find((p) => p.name === name)!;

describe('lesson 15: backup and restore', () => {
  test('when every step was done in order, then every step passes and the parts show the counts, the seconds and the ids', () => {
    const report = checkLab(15, { history: historyOf(['conversation', 1_000, conversation], ['backup', 2_000, taken(2_000)], ['accident', 3_000, accident], ['restore', 4_000, restored()]), components: [] })!;
    expect(report.passed).toBe(true);
    const parts = Object.fromEntries(report.steps.map((s) => [s.step, s.parts]));
    expect(byName(parts.backup, 'a backup taken after it').detail).toBe('backups/b-2000: users 5, products 50, messages 3, sessions 9');
    expect(byName(parts.restore, 'a restore after the accident').detail).toContain('restored in 3.2 s');
    expect(byName(parts.back, 'the same messages').detail).toContain('3 of the 3 message ids');
  });

  test('when the backup was taken before the conversation, then step 1 fails and nothing after it passes', () => {
    const parts = steps(historyOf(['backup', 500, taken(500, false)], ['conversation', 1_000, conversation], ['accident', 3_000, accident], ['restore', 4_000, restored()]));
    expect(byName(parts.backup, 'a backup taken after it')).toMatchObject({ passed: false, detail: expect.stringContaining('Take a backup') });
    expect(parts.accident![0]).toMatchObject({ passed: false, detail: expect.stringContaining('do step 1') });
    expect(parts.back![0]!.passed).toBe(false);
  });

  test('when the accident left a message or the session, then step 2 says which', () => {
    const partial: Accident = { ...accident, messagesAfter: { status: 200, ids: [IDS[0]!] }, sessionAfter: { status: 200, errorCode: null } };
    const parts = steps(historyOf(['conversation', 1_000, conversation], ['backup', 2_000, taken(2_000)], ['accident', 3_000, partial]));
    expect(byName(parts.accident, 'messages gone')).toMatchObject({ passed: false, detail: expect.stringContaining('listed 1 of the 3') });
    expect(byName(parts.accident, 'session gone')).toMatchObject({ passed: false, detail: expect.stringContaining('answered 200') });
  });

  test('when the restore failed, then step 3 fails with its reason; an older backup restored fails on what it holds', () => {
    const base: [string, number, unknown][] = [['conversation', 1_000, conversation], ['backup', 2_000, taken(2_000)], ['accident', 3_000, accident]];
    const failed = steps(historyOf(...base, ['restore', 4_000, restored({ ok: false, error: 'pg_restore failed (exit 1)', look: null })]));
    expect(failed.restore![0]).toMatchObject({ passed: false, detail: expect.stringContaining('pg_restore failed (exit 1)') });
    const older = steps(historyOf(...base, ['restore', 4_000, restored({ holdsConversation: false })]));
    expect(byName(older.restore, 'the backup holds the conversation')).toMatchObject({ passed: false, detail: expect.stringContaining('older than the conversation') });
  });

  test('when Redis was not back at the look, then step 4 fails and says to look again; a later look passes it', () => {
    const base: [string, number, unknown][] = [['conversation', 1_000, conversation], ['backup', 2_000, taken(2_000)], ['accident', 3_000, accident]];
    const away = look({ session: { status: 503, errorCode: 'REDIS_UNAVAILABLE', handle: null, same: false, servedBy: 'app-1' }, messages: { status: 503, errorCode: 'REDIS_UNAVAILABLE', ids: [] } });
    const early = historyOf(...base, ['restore', 4_000, restored({ look: away })]);
    expect(byName(steps(early).back, 'the same session')).toMatchObject({ passed: false, detail: expect.stringContaining('look again') });
    early.recordLessonEvent({ type: 'lesson', lesson: BACKUP_LESSON, kind: 'look', at: 5_000, data: look({ at: 5_000 }) });
    expect(steps(early).back!.every((p) => p.passed)).toBe(true);
  });
});

describe('the list of backups', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'statelab-backups-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function backupFolder(name: string, manifest: unknown): void {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  }

  test('when the folder holds backups and other things, then only backups with a readable manifest are listed, newest first', () => {
    backupFolder('2026-01-01T00-00-00-000Z', { createdAt: '2026-01-01T00:00:00.000Z', files: {}, counts: COUNTS });
    backupFolder('2026-02-01T00-00-00-000Z', { createdAt: '2026-02-01T00:00:00.000Z', files: {}, counts: { ...COUNTS, sessions: 10 } });
    backupFolder('broken', '{not json');
    backupFolder('no-counts', { createdAt: '2026-03-01T00:00:00.000Z' });
    mkdirSync(path.join(dir, 'empty'));
    writeFileSync(path.join(dir, 'notes.txt'), 'not a backup');
    expect(listBackups(dir).map(({ name, counts }) => [name, counts.sessions])).toEqual([['2026-02-01T00-00-00-000Z', 10], ['2026-01-01T00-00-00-000Z', 9]]);
  });

  test('when there are more than 20 backups, then the newest 20 are listed; when the folder does not exist, then none', () => {
    for (let i = 10; i < 35; i += 1) backupFolder(`b${i}`, { createdAt: `2026-01-${String(i - 9).padStart(2, '0')}T00:00:00.000Z`, counts: COUNTS });
    const listed = listBackups(dir);
    expect(listed).toHaveLength(20);
    expect([listed[0]!.name, listed.at(-1)!.name]).toEqual(['b34', 'b15']);
    expect(listBackups(path.join(dir, 'missing'))).toEqual([]);
  });
});

describe('the lesson\'s endpoints refuse before they touch the cluster', () => {
  /** The lesson's router on its own; the context holds only what a refusal may read. */
  function appFor(redisMode: 'standalone' | 'sentinel') {
    const ctx = { slug: BACKUP_LESSON, cluster: { topology: { redisMode } } } as unknown as LessonContext;
    const app = express();
    app.use(express.json());
    app.use(lesson15.start!(ctx).router!);
    app.use(errorHandler(pino({ level: 'silent' })));
    return app;
  }

  test('when the cluster runs REDIS_MODE=sentinel, then a restore is refused with ACTION_NOT_ALLOWED saying why, and nothing is restored', async () => {
    const res = await request(appFor('sentinel')).post('/restore').send({ backup: '2026-01-01T00-00-00-000Z' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining('REDIS_MODE=sentinel is not supported') });
    expect(res.body.error.message).toContain('nothing was restored');
  });

  test('when a restore names a path, an unknown field or a backup that is not listed, then it is a 400', async () => {
    const app = appFor('standalone');
    for (const body of [{ backup: '../../etc' }, { backup: 'x', dir: '/tmp' }, {}]) {
      expect((await request(app).post('/restore').send(body)).body.error.code).toBe('VALIDATION_FAILED');
    }
    const missing = await request(app).post('/restore').send({ backup: 'no-such-backup-here' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('no backup "no-such-backup-here"');
  });

  test('when the accident or a look comes before any conversation, then it is refused and says what to do first', async () => {
    for (const step of ['/accident', '/look']) {
      const res = await request(appFor('standalone')).post(step).send({});
      expect([res.status, res.body.error.message]).toEqual([409, expect.stringContaining('make a conversation first')]);
    }
  });
});
