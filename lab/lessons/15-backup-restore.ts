// Lesson 15: a backup is only a backup once it has been restored. The page takes one with the
// launcher's own backup() (scripts/lib/backup.mjs, the code behind `npm run cluster -- backup`),
// an "accident" deletes a conversation's messages in PostgreSQL and logs its session out of Redis,
// and restore() brings both back: the old cookie finds its session, the history lists the same
// messages.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { Client as Pg } from 'pg';
import { z } from 'zod';
import { ControlError } from '../../cluster/control';
import type { Exchange, SimulatedClient } from '../../cluster/simulated-client';
import { serviceUrls } from '../../cluster/state';
import { backup, BACKUPS_DIR, restore } from '../../scripts/lib/backup.mjs';
import { AppError } from '../../src/errors/app-error';
import type { LabHistory } from '../lab-history';
import { part } from './check-kit';
import type { Lesson, LessonContext, LessonRuntime } from './lesson';
import { oneAtATime } from './one-at-a-time';
import {
  BACKUP_LESSON, type Accident, type BackupEntry, type BackupSnapshot, type BackupTaken, type ConversationMade, type Look, type Restored,
} from './15-backup-restore.contract';

const LISTED = 20;
const MESSAGES = 3;
/** Redis is stopped and started by the restore: ioredis in the replicas reconnects within this. */
const REDIS_BACK_MS = 15_000;

const manifestSchema = z.object({ createdAt: z.string(), counts: z.record(z.string(), z.number().int()) });
const restoreBody = z.strictObject({ backup: z.string().min(1).max(100).regex(/^[\w.-]+$/, 'a backup folder name as listed') });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const handle = (sessionId: string) => sessionId.slice(0, 8);

/** The backups in `dir` that hold a readable manifest, newest first, at most 20; `dir` of each is never sent to a page. */
export function listBackups(dir: string): (BackupEntry & { dir: string })[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const entries = names.flatMap((name) => {
    try {
      const manifest = manifestSchema.parse(JSON.parse(readFileSync(path.join(dir, name, 'manifest.json'), 'utf8')));
      return [{ name, dir: path.join(dir, name), createdAt: manifest.createdAt, counts: manifest.counts }];
    } catch {
      return [];
    }
  });
  return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, LISTED);
}

const last = <T>(history: LabHistory, kind: string, after = 0) =>
  history.lessonEventsOf<T>(BACKUP_LESSON, kind).filter((e) => e.at >= after).at(-1)?.data;

/** The lesson's story so far, each step after the one before it. */
function story(history: LabHistory) {
  const conversation = last<ConversationMade>(history, 'conversation');
  const taken = conversation && history.lessonEventsOf<BackupTaken>(BACKUP_LESSON, 'backup').map((e) => e.data).filter((b) => b.ok && b.holdsConversation && b.at >= conversation.at).at(-1);
  const accident = taken && last<Accident>(history, 'accident', taken.at);
  const restored = accident && history.lessonEventsOf<Restored>(BACKUP_LESSON, 'restore').map((e) => e.data).filter((r) => r.ok && r.at >= accident.at).at(-1);
  const look = restored && [restored.look, ...history.lessonEventsOf<Look>(BACKUP_LESSON, 'look').map((e) => e.data).filter((l) => l.at >= restored.at)].filter((l): l is Look => l !== null).at(-1);
  return { conversation, taken, accident, restored, look };
}

const counts = (c: Record<string, number> | null | undefined) => (c ? Object.entries(c).map(([k, n]) => `${k} ${n}`).join(', ') : 'none');
const sameIds = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

export const lesson15: Lesson = {
  worksheet: {
    id: 15,
    slug: BACKUP_LESSON,
    title: 'Backup and restore',
    panel: 'backup',
    views: ['backup', 'cluster'],
    summary: 'A backup of PostgreSQL and Redis is a pg_dump and an RDB snapshot; it is worth something only once a restore has brought deleted data back: the same session, the same messages.',
    doc: 'docs/labs.md#15-backup-and-restore',
    steps: [
      {
        id: 'backup',
        title: 'Make a conversation, then back it up',
        text: 'In **Backup and restore**, press **Make a conversation** (a new client opens a session and posts 3 messages), then **Take a backup**.\n\n**Predict, then watch for:** what does the backup hold? Read its manifest\'s counts in the list.',
        check: 'backup-holds-data',
        hints: ['The conversation must exist before the backup is taken, or the backup cannot hold it.'],
        solution: 'Backup and restore → **Make a conversation** → **Take a backup**: a new row in the list, with users, products, messages and sessions counted.',
      },
      {
        id: 'accident',
        title: 'The accident',
        text: 'Press **Accident: delete the messages and the session**: the messages\' rows are deleted in PostgreSQL, the session is logged out of Redis.\n\n**Predict, then watch for:** what does the client see now?',
        check: 'data-seen-gone',
        hints: ['The API has no way to delete messages: the accident deletes the rows in PostgreSQL itself, as a mistaken query would.'],
        solution: 'The accident → the history lists 0 of 3 messages, and the old cookie answers 401 NO_SESSION.',
      },
      {
        id: 'restore',
        title: 'Restore the backup',
        text: 'Press **Restore** on the backup you took in step 1.\n\n**Predict, then watch for:** how long are stateful routes away? Watch the Cluster panel: Redis goes down and comes back.',
        check: 'restored',
        hints: ['Restore puts back *everything* as it was at the backup: what was written since is gone.', 'In REDIS_MODE=sentinel the restore is refused; start a standalone cluster.'],
        solution: 'Backup and restore → the backup of step 1 → **Restore**: a few seconds; the counts after equal the manifest\'s.',
      },
      {
        id: 'back',
        title: 'See it back',
        text: 'After the restore the page looks again, with the old cookie (press **Look again** to repeat).\n\n**Predict, then watch for:** the same session id? The same message ids?',
        check: 'data-back',
        hints: ['Redis restarts during the restore: the replicas reconnect by themselves within a few seconds.'],
        solution: 'The old cookie finds its session (the same id) and the history lists the same 3 message ids.',
      },
    ],
  },
  checks: {
    'backup-holds-data': ({ history }) => {
      const { conversation, taken } = story(history);
      return [
        part('a conversation made', Boolean(conversation), conversation
          ? `${conversation.client}: session ${conversation.session}…, ${conversation.messageIds.length} messages`
          : 'no conversation since the last reset — press **Make a conversation**'),
        part('a backup taken after it', Boolean(taken), taken?.backup
          ? `backups/${taken.backup.name}: ${counts(taken.backup.counts)}`
          : 'no backup taken after the conversation was made — press **Take a backup**'),
      ];
    },
    'data-seen-gone': ({ history }) => {
      const { conversation, accident } = story(history);
      if (!conversation || !accident) return [part('the accident after the backup', false, 'no accident after a backup of the conversation — do step 1, then press **Accident**')];
      const left = accident.messagesAfter.ids.filter((id) => conversation.messageIds.includes(id));
      return [
        part('messages gone', accident.messagesAfter.status === 200 && left.length === 0, `${accident.messagesDeleted} rows deleted; the history then listed ${left.length} of the ${conversation.messageIds.length} messages (answer ${accident.messagesAfter.status})`),
        part('session gone', accident.sessionAfter.status === 401, `the old cookie answered ${accident.sessionAfter.status} ${accident.sessionAfter.errorCode ?? ''} after the logout (DELETE answered ${accident.sessionDeleteStatus})`),
      ];
    },
    restored: ({ history }) => {
      const { accident, restored } = story(history);
      const attempt = accident && last<Restored>(history, 'restore', accident.at);
      if (!restored) {
        return [part('a restore after the accident', false, attempt ? `the restore of backups/${attempt.backup} failed: ${attempt.error}` : 'no restore after the accident — press **Restore** on the backup of step 1')];
      }
      return [
        part('a restore after the accident', true, `backups/${restored.backup} restored in ${restored.seconds.toFixed(1)} s; after it: ${counts(restored.restored)} (the backup held ${counts(restored.expected)})`),
        part('the backup holds the conversation', restored.holdsConversation, restored.holdsConversation ? 'it was taken after the conversation was made' : 'this backup is older than the conversation: restore the one taken in step 1'),
      ];
    },
    'data-back': ({ history }) => {
      const { conversation, restored, look } = story(history);
      if (!conversation || !restored || !look) return [part('a look after the restore', false, 'nothing looked at after a restore — do steps 1–3, then press **Look again**')];
      const found = look.messages.ids.filter((id) => conversation.messageIds.includes(id)).length;
      return [
        part('the same session', look.session.status === 200 && look.session.same, look.session.status === 200
          ? `the old cookie found session ${look.session.handle}…${look.session.same ? ', the same id' : `, not ${conversation.session}…`} (served by ${look.session.servedBy})`
          : `the old cookie answered ${look.session.status} ${look.session.errorCode ?? ''}${look.session.status === 503 ? ' — Redis is still coming back: look again' : ''}`),
        part('the same messages', look.messages.status === 200 && sameIds(look.messages.ids, conversation.messageIds), `the history lists ${found} of the ${conversation.messageIds.length} message ids (${look.messages.ids.length} in all; answer ${look.messages.status})`),
      ];
    },
  },
  start: (ctx) => backupRuntime(ctx),
};

interface Conversation {
  client: SimulatedClient;
  cookie: string;
  sessionId: string;
  made: ConversationMade;
}

function backupRuntime(ctx: LessonContext): LessonRuntime {
  let conversation: Conversation | null = null;
  let latest: Omit<BackupSnapshot, 'redisMode' | 'backups'> = { conversation: null, backup: null, accident: null, restore: null, look: null };
  /** One backup, accident or restore at a time: each would trip over the other. */
  const redisMode = ctx.cluster.topology.redisMode;

  const snapshot = (): BackupSnapshot => ({ redisMode, backups: listBackups(BACKUPS_DIR).map(({ dir: _dir, ...entry }) => entry), ...latest });

  /**
   * The conversation's client sends its old cookie explicitly and keeps no answer's Set-Cookie
   * (a logout clears it), and what is recorded for the stream names the session by its handle only.
   */
  async function send(c: Conversation, method: string, urlPath: string, body?: unknown): Promise<Exchange> {
    const reply = await c.client.send({ method, path: urlPath, body, headers: { cookie: c.cookie }, jar: null });
    ctx.record({ ...reply, path: reply.path.replace(c.sessionId, `${handle(c.sessionId)}…`) }, 'stateful');
    return reply;
  }

  function need(): Conversation {
    if (!conversation) throw new AppError('ACTION_NOT_ALLOWED', 'make a conversation first (Make a conversation)');
    return conversation;
  }

  const exclusive = oneAtATime(() => 'a backup, accident or restore of this lesson is in progress: wait for it to end');

  async function look(c: Conversation): Promise<Look> {
    const current = await send(c, 'GET', '/api/v1/stateful/sessions/current');
    const history = await send(c, 'GET', `/api/v1/stateful/sessions/${c.sessionId}/history`);
    const sessionId = typeof current.json.sessionId === 'string' ? current.json.sessionId : null;
    const messages = Array.isArray(history.json.messages) ? (history.json.messages as { id: string }[]) : [];
    return {
      at: Date.now(),
      session: { status: current.status, errorCode: current.errorCode, handle: sessionId && handle(sessionId), same: sessionId === c.sessionId, servedBy: current.replica },
      messages: { status: history.status, errorCode: history.errorCode, ids: history.status === 200 ? messages.map((m) => m.id) : [] },
      expectedIds: c.made.messageIds,
    };
  }

  async function makeConversation(): Promise<ConversationMade> {
    conversation?.client.close();
    conversation = null;
    const client = ctx.freshClient();
    const created = await client.request('POST', '/api/v1/stateful/sessions');
    ctx.record(created, 'stateful');
    if (created.status !== 201 || !client.cookie) {
      client.close();
      throw new AppError('SERVICE_UNAVAILABLE', `no session: POST /api/v1/stateful/sessions answered ${created.status} ${created.errorCode ?? ''}`);
    }
    const c: Conversation = { client, cookie: client.cookie, sessionId: String(created.json.sessionId), made: { at: 0, client: client.id, session: '', messageIds: [], createdBy: created.replica } };
    for (let i = 1; i <= MESSAGES; i += 1) {
      const posted = await send(c, 'POST', '/api/v1/stateful/conversations', { text: `Lesson 15, message ${i} of ${MESSAGES}` });
      const id = (posted.json.message as { id?: unknown } | undefined)?.id;
      if (posted.status !== 201 || typeof id !== 'string') {
        client.close();
        throw new AppError('SERVICE_UNAVAILABLE', `message ${i} not stored: POST /api/v1/stateful/conversations answered ${posted.status} ${posted.errorCode ?? ''}`);
      }
      c.made.messageIds.push(id);
    }
    c.made = { ...c.made, at: Date.now(), session: handle(c.sessionId) };
    conversation = c;
    latest = { ...latest, conversation: c.made };
    ctx.publish<ConversationMade>('conversation', c.made);
    return c.made;
  }

  async function takeBackup(): Promise<BackupTaken> {
    const started = Date.now();
    const holds = conversation !== null && conversation.made.at <= started;
    let taken: BackupTaken;
    try {
      const { dir, manifest } = await backup(ctx.clusterDir);
      taken = { at: Date.now(), ok: true, error: null, backup: { name: path.basename(dir), createdAt: manifest.createdAt, counts: manifest.counts }, durationMs: Date.now() - started, holdsConversation: holds };
    } catch (err) {
      taken = { at: Date.now(), ok: false, error: message(err), backup: null, durationMs: Date.now() - started, holdsConversation: false };
    }
    latest = { ...latest, backup: taken };
    ctx.publish<BackupTaken>('backup', taken);
    return taken;
  }

  async function accident(): Promise<Accident> {
    const c = need();
    // Teaching note: the API offers no way to delete messages — which is the point of an
    // accident: a mistaken query run straight against the database (parameterised all the same).
    const pg = new Pg({ connectionString: serviceUrls(ctx.cluster).database, connectionTimeoutMillis: 5_000, statement_timeout: 10_000 });
    let deleted: number;
    await pg.connect().catch((err: unknown) => {
      throw new AppError('DATABASE_UNAVAILABLE', `PostgreSQL did not answer the accident's DELETE: ${message(err)}`);
    });
    try {
      deleted = (await pg.query('DELETE FROM messages WHERE session_id = $1', [c.sessionId])).rowCount ?? 0;
    } finally {
      await pg.end();
    }
    const history = await send(c, 'GET', `/api/v1/stateful/sessions/${c.sessionId}/history`);
    const logout = await send(c, 'DELETE', `/api/v1/stateful/sessions/${c.sessionId}`);
    const after = await send(c, 'GET', '/api/v1/stateful/sessions/current');
    const ids = Array.isArray(history.json.messages) ? (history.json.messages as { id: string }[]).map((m) => m.id) : [];
    const result: Accident = {
      at: Date.now(),
      session: handle(c.sessionId),
      messagesDeleted: deleted,
      messagesAfter: { status: history.status, ids },
      sessionDeleteStatus: logout.status,
      sessionAfter: { status: after.status, errorCode: after.errorCode },
    };
    latest = { ...latest, accident: result };
    ctx.publish<Accident>('accident', result);
    return result;
  }

  async function restoreBackup(name: string): Promise<Restored> {
    if (redisMode === 'sentinel') {
      throw new AppError('ACTION_NOT_ALLOWED', 'restore into REDIS_MODE=sentinel is not supported (as `npm run cluster -- restore` says): restore into a standalone cluster, then start sentinel mode from it; nothing was restored');
    }
    // The name only picks one of the listed folders: no path is built from it.
    const entry = listBackups(BACKUPS_DIR).find((b) => b.name === name);
    if (!entry) throw new AppError('VALIDATION_FAILED', `no backup "${name}" in backups/ (the list shows the newest ${LISTED})`);
    const started = Date.now();
    let result: Restored = { at: started, backup: entry.name, ok: false, error: null, seconds: 0, expected: null, restored: null, holdsConversation: conversation !== null && Date.parse(entry.createdAt) >= conversation.made.at, look: null };
    try {
      // Under the launcher's lock, as `npm run cluster -- restore` takes it: no chaos button acts meanwhile.
      const { expected, restored } = await ctx.control.withClusterLock(ctx.clusterDir, () => restore(ctx.clusterDir, entry.dir), 10_000);
      result = { ...result, ok: true, expected, restored };
    } catch (err) {
      if (err instanceof ControlError) throw new AppError(err.code, err.message);
      result = { ...result, error: message(err) };
    }
    result.seconds = (Date.now() - started) / 1000;
    if (result.ok && conversation) {
      // The replicas reconnect to the restarted Redis by themselves; until then sessions answer 503.
      const deadline = Date.now() + REDIS_BACK_MS;
      let seen = await look(conversation);
      while (seen.session.status === 503 && Date.now() < deadline) {
        await sleep(250);
        seen = await look(conversation);
      }
      result.look = seen;
    }
    result.at = Date.now();
    latest = { ...latest, restore: result, ...(result.look ? { look: result.look } : {}) };
    ctx.publish<Restored>('restore', result);
    return result;
  }

  const router = Router();
  router.get('/state', (_req, res) => {
    res.json(snapshot());
  });
  router.post('/conversation', async (_req, res) => {
    res.status(201).json(await exclusive(makeConversation));
  });
  router.post('/backups', async (_req, res) => {
    res.json(await exclusive(takeBackup));
  });
  router.post('/accident', async (_req, res) => {
    res.json(await exclusive(accident));
  });
  router.post('/restore', async (req, res) => {
    const { backup: name } = restoreBody.parse(req.body ?? {});
    res.json(await exclusive(() => restoreBackup(name)));
  });
  router.post('/look', async (_req, res) => {
    const seen = await look(need());
    latest = { ...latest, look: seen };
    ctx.publish<Look>('look', seen);
    res.json(seen);
  });

  return {
    router,
    snapshot,
    reset: () => {
      conversation?.client.close();
      conversation = null;
      latest = { conversation: null, backup: null, accident: null, restore: null, look: null };
    },
    stop: () => conversation?.client.close(),
  };
}
