// Lesson 12: the instructor's admin API. Virtual students log in as the seeded users; the lab,
// holding two API keys of its own, lists their logins page by page (SCAN, by handle), revokes
// one — and the student's cookie is refused by every replica at once — then reads the audit log.
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Exchange, SimulatedClient } from '../../cluster/simulated-client';
import { serviceUrls } from '../../cluster/state';
import { seedPassword, seedUsers } from '../../src/boot/seed';
import { AppError } from '../../src/errors/app-error';
import { auditLog } from '../../src/features/audit/audit-log';
import { createApiKey, revokeApiKey } from '../../src/features/admin/api-keys';
import { closePostgres, createPostgres } from '../../src/infra/database';
import type { Lesson, LessonContext, LessonRuntime } from './lesson';
import { oneAtATime } from './one-at-a-time';
import { ADMIN_CHECKS } from './12-admin-api.checks';
import {
  ADMIN_LESSON,
  DEFAULT_AUDIT_LIMIT,
  DEFAULT_PAGE_COUNT,
  DEFAULT_STUDENTS,
  MAX_PAGES,
  type AdminSnapshot,
  type Answer,
  type AuditRead,
  type AuditRow,
  type LabKeys,
  type ListedSession,
  type LoginRound,
  type ReplicaAsked,
  type Revocation,
  type SessionsPage,
  type SessionsWalk,
  type StudentLogin,
} from './12-admin-api.contract';

const loginBody = z.strictObject({ students: z.number().int().min(1).max(8).default(DEFAULT_STUDENTS) });
const walkBody = z.strictObject({ count: z.number().int().min(1).max(500).default(DEFAULT_PAGE_COUNT) });
const revokeBody = z.strictObject({ client: z.string().regex(/^client-\d{1,3}$/) });
const auditBody = z.strictObject({ limit: z.number().int().min(1).max(200).default(DEFAULT_AUDIT_LIMIT) });

/** The jar a virtual student keeps its login cookie in (apart from lessons 3/4's sessions). */
const JAR = 'login';
/** Listed sessions an event carries at most (a classroom's logins; the walk counts them all). */
const KEPT_SESSIONS = 200;

const answer = (e: Exchange): Answer => ({ status: e.status, errorCode: e.errorCode, replica: e.replica });

interface HeldKeys {
  ids: LabKeys;
  read: string;
  write: string;
}

/** How the lab labels the keys it makes (and finds an earlier lab's). */
const LAB_KEY_LABEL = 'lab controller pid';

/**
 * The lab's own API keys, made without a human. Teaching note: the lab controller already holds
 * the cluster's secrets (state.json, owner-only, has the PostgreSQL URL with its password), so it
 * makes its keys exactly as `npm run admin -- key create` does — `createApiKey`, one audited
 * `API_KEY_CREATED` row each (actor `lab`) — rather than reading a key someone pasted into a
 * file. Two keys, not one: listing and the audit log only need `read`, and only the revoke is
 * sent with `write`, so the 403 a read key gets on a DELETE is part of the lesson. They are made
 * on the first use of this lesson (not at boot: a lab that never opens it makes none), live only
 * in this closure — never in an event, a snapshot or a log line — and the page sees their public
 * ids, as the audit log names them. `npm run admin -- key list` shows them, labelled; the next lab
 * to make keys revokes the ones an earlier lab left.
 */
async function createLabKeys(databaseUrl: string, logger: Logger): Promise<HeldKeys> {
  const postgres = createPostgres(databaseUrl, 10_000);
  const audit = auditLog(postgres.pool, `lab@${os.hostname()}`, 10_000, logger);
  const label = `${LAB_KEY_LABEL} ${process.pid}, ${new Date().toISOString()}`;
  try {
    // An earlier lab's keys lived only in its memory, so nobody can present them now; still, a
    // key nobody will revoke is one an attacker with a copy of the database has time for.
    const stale = await postgres.prisma.apiKey.findMany({ where: { revokedAt: null, label: { startsWith: LAB_KEY_LABEL } }, select: { id: true } });
    for (const { id } of stale) {
      if (await revokeApiKey(postgres.prisma, id)) await audit.write({ action: 'API_KEY_REVOKED', actor: 'lab', target: id, details: { reason: 'made by an earlier lab controller' } });
    }
    const read = await createApiKey(postgres.prisma, 'read', `${label}, read`);
    await audit.write({ action: 'API_KEY_CREATED', actor: 'lab', target: read.id, details: { scope: 'read', label } });
    const write = await createApiKey(postgres.prisma, 'write', `${label}, write`);
    await audit.write({ action: 'API_KEY_CREATED', actor: 'lab', target: write.id, details: { scope: 'write', label } });
    return { ids: { read: read.id, write: write.id, createdAt: Date.now() }, read: read.key, write: write.key };
  } catch (err) {
    throw new AppError('DATABASE_UNAVAILABLE', `the lab could not make its API keys in PostgreSQL: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await closePostgres(postgres).catch(() => undefined);
  }
}

/** A login the lab holds for one virtual student: the handle is public, the cookie is not. */
interface Held {
  client: SimulatedClient;
  email: string;
  handle: string;
}

function startAdmin(ctx: LessonContext): LessonRuntime {
  const replicas = ctx.cluster.topology.replicas;
  // The instructor: one simulated client of its own (its own /24), which never holds a cookie.
  const instructor = ctx.freshClient();
  let keys: Promise<HeldKeys> | null = null;
  let keyIds: LabKeys | null = null;
  const held = new Map<string, Held>();
  let view: Omit<AdminSnapshot, 'keys'> = { logins: null, walk: null, revocation: null, audit: null };

  function labKeys(): Promise<HeldKeys> {
    keys ??= createLabKeys(serviceUrls(ctx.cluster).database, ctx.logger).then(
      (made) => {
        keyIds = made.ids;
        ctx.publish('keys', made.ids);
        return made;
      },
      (err: unknown) => {
        keys = null;
        throw err;
      },
    );
    return keys;
  }

  const exclusive = oneAtATime(() => 'An admin action of this lesson is still running; wait for it to finish');

  async function admin(method: string, path: string, key: string): Promise<Exchange> {
    const reply = await instructor.send({ method, path, headers: { 'x-api-key': key }, jar: null });
    // Someone revoked the lab's key (`npm run admin -- key revoke <id>`): the next action makes new ones.
    if (reply.errorCode === 'API_KEY_INVALID') keys = null;
    return reply;
  }

  async function login(students: number): Promise<LoginRound> {
    const round: LoginRound = { id: randomUUID(), at: Date.now(), logins: [], held: [] };
    for (const [i, client] of ctx.clients.slice(0, students).entries()) {
      const user = seedUsers[i % seedUsers.length]!;
      client.forget(JAR);
      held.delete(client.id);
      const reply = await client.send({ method: 'POST', path: '/api/v1/auth/login', body: { email: user.email, password: seedPassword(user.email), mode: 'session' }, jar: JAR });
      // The stream names upstreams: nginx sends /api/v1/auth and /api/v1/admin to least_conn's, as /api/v1/stateless.
      ctx.record(reply, 'stateless', round.id);
      const handle = reply.status === 201 && typeof reply.json.sessionHandle === 'string' ? reply.json.sessionHandle : null;
      if (handle) held.set(client.id, { client, email: user.email, handle });
      round.logins.push({ client: client.id, email: user.email, handle, ...answer(reply) });
    }
    round.held = [...held.keys()];
    view = { ...view, logins: round };
    ctx.publish('logins', round);
    return round;
  }

  async function walk(count: number): Promise<SessionsWalk> {
    const { ids, read } = await labKeys();
    // The students' cookie secrets, to look for in every answer — compared here, never sent out.
    const secrets = [...held.values()].map((h) => h.client.cookieOf(JAR)?.split('.')[1]).filter((s): s is string => Boolean(s));
    const byHandle = new Map([...held.values()].map((h) => [h.handle, h.client.id]));
    const result: SessionsWalk = { id: randomUUID(), at: Date.now(), keyId: ids.read, count, pages: [], complete: false, sessions: [], credentialsSeen: 0 };
    const seen = new Set<string>();
    let cursor = '0';
    for (let n = 0; n < MAX_PAGES; n++) {
      const reply = await admin('GET', `/api/v1/admin/sessions?cursor=${cursor}&count=${count}`, read);
      const items = reply.status === 200 && Array.isArray(reply.json.items) ? (reply.json.items as Record<string, unknown>[]) : [];
      const nextCursor = typeof reply.json.nextCursor === 'string' ? reply.json.nextCursor : null;
      result.pages.push({ cursor, nextCursor, items: items.length, ...answer(reply) } satisfies SessionsPage);
      for (const secret of secrets) if (reply.text.includes(secret)) result.credentialsSeen += 1;
      for (const item of items) {
        const handle = String(item.handle);
        if (seen.has(handle)) continue; // SCAN may return a key twice
        seen.add(handle);
        result.sessions.push({
          handle,
          email: String(item.email),
          name: String(item.name),
          createdBy: String(item.createdBy),
          ttlSeconds: Number(item.ttlSeconds),
          client: byHandle.get(handle) ?? null,
        } satisfies ListedSession);
      }
      if (reply.status !== 200) break;
      if (nextCursor === null) {
        result.complete = true;
        break;
      }
      cursor = nextCursor;
    }
    // The lab's own students first, then the rest of the class, at most KEPT_SESSIONS.
    result.sessions = [...result.sessions.filter((s) => s.client), ...result.sessions.filter((s) => !s.client)].slice(0, KEPT_SESSIONS);
    view = { ...view, walk: result };
    ctx.publish('walk', result);
    return result;
  }

  /** The student asks every replica on its own port, past nginx: each must decide alone. */
  const askEveryReplica = (client: SimulatedClient): Promise<ReplicaAsked[]> =>
    Promise.all(
      replicas.map(async (r) => {
        const reply = await client.send({ path: `http://${r.host}:${r.port}/api/v1/auth/me`, jar: JAR, timeoutMs: 10_000 });
        return { target: r.id, ...answer(reply) };
      }),
    );

  async function revoke(clientId: string): Promise<Revocation> {
    const client = ctx.client(clientId);
    const login = held.get(client.id);
    if (!login) throw new AppError('SESSION_NOT_FOUND', `${client.id} holds no login: press **Log the students in** first`);
    const { ids, read, write } = await labKeys();
    const path = `/api/v1/admin/sessions/${login.handle}`;
    const before = await askEveryReplica(client);
    const withRead = await admin('DELETE', path, read);
    ctx.record(withRead, 'stateless');
    const withWrite = await admin('DELETE', path, write);
    ctx.record(withWrite, 'stateless');
    const after = await askEveryReplica(client);
    if (withWrite.status === 204) {
      held.delete(client.id);
      client.forget(JAR);
    }
    const result: Revocation = {
      id: randomUUID(),
      at: Date.now(),
      client: client.id,
      email: login.email,
      handle: login.handle,
      keys: { read: ids.read, write: ids.write },
      before,
      withReadKey: answer(withRead),
      withWriteKey: answer(withWrite),
      after,
      replicas: replicas.map((r) => r.id),
      held: [...held.keys()],
    };
    view = { ...view, revocation: result };
    ctx.publish('revoke', result);
    return result;
  }

  async function audit(limit: number): Promise<AuditRead> {
    const { ids, read } = await labKeys();
    const reply = await admin('GET', `/api/v1/admin/audit?limit=${limit}`, read);
    ctx.record(reply, 'stateless');
    const items = reply.status === 200 && Array.isArray(reply.json.items) ? (reply.json.items as Record<string, unknown>[]) : [];
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    // Only who, what, when and where: `details` and `sessionId` stay out of the event stream (a
    // demo session's id is its cookie, lessons 3–4).
    const rows: AuditRow[] = items.map((i) => ({ id: String(i.id), action: String(i.action), actor: text(i.actor), target: text(i.target), instance: text(i.instance), at: String(i.at) }));
    const result: AuditRead = { id: randomUUID(), at: Date.now(), keyId: ids.read, limit, rows, ...answer(reply) };
    view = { ...view, audit: result };
    ctx.publish('audit', result);
    return result;
  }

  const router = Router();
  router.post('/login', async (req, res) => {
    const { students } = loginBody.parse(req.body ?? {});
    res.json(await exclusive(() => login(students)));
  });
  router.post('/sessions', async (req, res) => {
    const { count } = walkBody.parse(req.body ?? {});
    res.json(await exclusive(() => walk(count)));
  });
  router.post('/revoke', async (req, res) => {
    const { client } = revokeBody.parse(req.body ?? {});
    res.json(await exclusive(() => revoke(client)));
  });
  router.post('/audit', async (req, res) => {
    const { limit } = auditBody.parse(req.body ?? {});
    res.json(await exclusive(() => audit(limit)));
  });
  return {
    router,
    snapshot: (): AdminSnapshot => ({ keys: keyIds, ...view }),
    reset: () => {
      // The logins stay in Redis until their TTL; the lab only forgets it held them.
      for (const h of held.values()) h.client.forget(JAR);
      held.clear();
      view = { logins: null, walk: null, revocation: null, audit: null };
    },
    stop: () => instructor.close(),
  };
}

export const lesson12: Lesson = {
  worksheet: {
    id: 12,
    slug: ADMIN_LESSON,
    title: 'The admin API: API keys and an audit log',
    panel: 'admin',
    views: ['admin', 'stream'],
    summary:
      'The instructor\'s API: behind API keys with a read or a write scope, it lists the students\' logins page by page — by public handle, never by credential — revokes one, after which every replica refuses that student at once, and the audit log says who did what.',
    doc: 'docs/labs.md#12-the-admin-api-api-keys-and-an-audit-log',
    steps: [
      {
        id: 'logins',
        title: 'Log the students in',
        text: `In **Admin API**, keep ${DEFAULT_STUDENTS} students and press **Log the students in**: virtual clients 1–${DEFAULT_STUDENTS} each send \`POST /api/v1/auth/login\` as a seeded user (\`ada@statelab.test\` / \`statelab-ada\`, …) with \`mode: "session"\`.\n\n**Predict, then watch for:** the cookie is \`statelab.login=<handle>.<secret>\`. Which half will the page — and the admin API — ever show you?`,
        check: 'admin-logins',
        hints: ['The answer names the login\'s `sessionHandle`: 16 hex digits that prove nothing. Only the cookie carries the secret.', 'The check needs at least two students logged in since the last reset.'],
        solution: 'Admin API → **Log the students in**: five `201`s, each with a handle; the page shows handles only.',
      },
      {
        id: 'listed',
        title: 'List the logins page by page',
        text: `Press **List the sessions**: with the lab's **read** key the instructor sends \`GET /api/v1/admin/sessions?cursor=0&count=${DEFAULT_PAGE_COUNT}\` and follows \`nextCursor\` until it is \`null\`.\n\n**Predict, then watch for:** Redis \`SCAN\` walks the whole keyspace a few keys at a time. Will every page hold sessions? Will the same replica answer every page? Will any cookie secret appear?`,
        check: 'admin-listed',
        hints: [
          'A page may be empty while the cursor goes on: COUNT is how many keys Redis looks at, not how many logins it returns.',
          'The cursor is all the state of the walk, and it travels with the request: any replica can answer the next page.',
          `A keyspace larger than COUNT × ${MAX_PAGES} needs a larger COUNT to be walked in one go.`,
        ],
        solution: 'Admin API → **List the sessions**: the walk ends with the cursor at 0, the students\' five handles are among the listed logins, and no cookie secret appears in any answer.',
      },
      {
        id: 'revoked',
        title: 'Revoke one student',
        text: 'Choose a student and press **Revoke**. The lab first sends the `DELETE /api/v1/admin/sessions/<handle>` with the **read** key, then with the **write** key; the student asks each replica on its own port (`GET /api/v1/auth/me`, past nginx) before and after.\n\n**Predict, then watch for:** what does the read key get? After the revoke, how many replicas still let the student in — and does any replica have to be told?',
        check: 'admin-revoked',
        hints: ['The login is one Redis key, named by its handle: deleting it ends the login for every replica at the same instant.', 'A read key may list and read; only a write key may revoke (403 API_KEY_SCOPE).'],
        solution: 'Admin API → choose a student → **Revoke**: read key `403 API_KEY_SCOPE`, write key `204`; before, every replica said `200`; after, every replica says `401`.',
      },
      {
        id: 'audited',
        title: 'Read the audit log',
        text: `Press **Read the audit log** (the newest ${DEFAULT_AUDIT_LIMIT} rows, read key).\n\n**Predict, then watch for:** which rows did the revoke leave — who is the actor, what is the target, which replica wrote it? Is the refused attempt there too?`,
        check: 'admin-audited',
        hints: ['An API key is named `key:<id>` in the log: its public id, never the key.', 'The revoke writes its row before it deletes anything: a revoke that cannot be recorded does not happen.'],
        solution: 'Admin API → **Read the audit log**: `ADMIN_SESSION_REVOKED` by `key:<write id>` on the revoked handle, written by the replica that answered the 204, and `ADMIN_SCOPE_DENIED` by `key:<read id>`.',
      },
    ],
  },
  checks: ADMIN_CHECKS,
  start: startAdmin,
};
