// Worksheet 15, "Backup and restore", in real Chromium through nginx: the student makes a
// conversation, takes a backup, has the accident and restores, all from the keyboard, and every
// step passes. What the page claims is checked against the stores themselves: the manifest on
// disk, the message rows in PostgreSQL and the session key in Redis — gone after the accident,
// back after the restore.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Client as Pg } from 'pg';
import { deleteRedisKeys, statusTable, untilEveryReplicaServes, type E2eCluster } from '../support/e2e-cluster';
import { closeLesson, openLesson, press, seriousAxeViolations, until, untilEveryStepPasses, type LabPage } from '../support/lab-page';
import { requireClusterState, serviceUrls } from '../../cluster/state';
import { BACKUPS_DIR } from '../../scripts/lib/backup.mjs';

let cluster: E2eCluster;
let lab: LabPage;
let pg: Pg;
let redis: Redis;
const made: { handle?: string; backup?: string } = {};

beforeAll(async () => {
  ({ cluster, lab } = await openLesson(15));
  pg = new Pg({ connectionString: serviceUrls(requireClusterState(cluster.clusterDir)).database });
  await pg.connect();
  redis = new Redis(serviceUrls(requireClusterState(cluster.clusterDir)).redis, { maxRetriesPerRequest: 1 });
}, 120_000);

afterAll(async () => {
  await closeLesson(lab, cluster, 15);
  // The lesson's conversation and backup are this file's: the next file finds the cluster without them.
  if (made.handle) {
    await pg.query(`DELETE FROM messages WHERE session_id LIKE $1`, [`${made.handle}%`]);
    await deleteRedisKeys(cluster, `statelab:sess:${made.handle}*`);
  }
  if (made.backup) rmSync(path.join(BACKUPS_DIR, made.backup), { recursive: true, force: true });
  await pg?.end();
  redis?.disconnect();
}, 60_000);

const page = () => lab.page;
const attr = async (selector: string, name: string) => (await page().locator(selector).first().getAttribute(name)) ?? '';

async function rowsOf(handle: string): Promise<string[]> {
  return (await pg.query(`SELECT id::text FROM messages WHERE session_id LIKE $1 ORDER BY id`, [`${handle}%`])).rows.map((r: { id: string }) => r.id);
}

async function sessionKeys(handle: string): Promise<number> {
  let found = 0;
  for await (const keys of redis.scanStream({ match: `statelab:sess:${handle}*`, count: 1000 }) as AsyncIterable<string[]>) found += keys.length;
  return found;
}

const sorted = (ids: string) => ids.split(' ').filter(Boolean).sort();

describe('worksheet 15 in Chromium: backup and restore', () => {
  it('when a conversation is made and backed up from the page, then the page shows the rows PostgreSQL holds and the manifest on disk', async () => {
    await press(page().locator('#panel-backup button[data-step="conversation"]'));
    const handle = await until('the conversation', async () => (await attr('#backup-conversation [data-session]', 'data-session')) || undefined);
    made.handle = handle;
    const ids = sorted(await attr('#backup-conversation [data-session]', 'data-message-ids'));
    expect(ids).toHaveLength(3);
    expect(await rowsOf(handle)).toEqual(ids);
    expect(await sessionKeys(handle)).toBe(1);
    // The page never shows a session id whole: only its first 8 characters.
    expect(handle).toHaveLength(8);

    const before = new Set(await page().locator('#backup-table tr[data-backup]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-backup'))));
    await press(page().locator('#panel-backup button[data-step="backup"]'));
    const name = await until('the new backup in the list', async () => {
      const names = await page().locator('#backup-table tr[data-backup]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-backup')!));
      return names.find((n) => !before.has(n));
    }, 60_000);
    made.backup = name;
    const manifest = JSON.parse(readFileSync(path.join(BACKUPS_DIR, name, 'manifest.json'), 'utf8')) as { counts: Record<string, number> };
    const shown: Record<string, number> = {};
    for (const key of ['users', 'products', 'messages', 'sessions']) shown[key] = Number(await attr(`#backup-table tr[data-backup="${name}"] td[data-count="${key}"]`, 'data-value'));
    expect(shown).toEqual(manifest.counts);
    expect(shown.messages).toBe(Number((await pg.query('SELECT count(*)::int AS n FROM messages')).rows[0].n));
    process.stderr.write(`[lesson 15] backups/${name} holds ${JSON.stringify(shown)}\n`);
  }, 90_000);

  it('when the accident is pressed, then the page sees the messages and the session gone, and so do PostgreSQL and Redis', async () => {
    await press(page().locator('#panel-backup button[data-step="accident"]'));
    await until('the accident\'s result', async () => (await attr('#backup-accident', 'data-session-status')) || undefined, 30_000);
    expect({ left: await attr('#backup-accident', 'data-messages-left'), session: await attr('#backup-accident', 'data-session-status') }).toEqual({ left: '0', session: '401' });
    expect(await rowsOf(made.handle!)).toEqual([]);
    expect(await sessionKeys(made.handle!)).toBe(0);
  }, 60_000);

  it('when the backup is restored from the page, then the old cookie finds the same session and the history the same messages, as the stores say', async () => {
    const ids = sorted(await attr('#backup-conversation [data-session]', 'data-message-ids'));
    await page().locator('#backup-choice').selectOption(made.backup!);
    await press(page().locator('#panel-backup button[data-step="restore"]'));
    const ok = await until('the restore\'s result', async () => (await attr('#backup-restore-result', 'data-ok')) || undefined, 90_000);
    expect(ok).toBe('true');
    const seconds = Number(await attr('#backup-restore-result', 'data-seconds'));
    expect(seconds).toBeGreaterThan(0);
    expect({
      status: await attr('#backup-look [data-session-status]', 'data-session-status'),
      same: await attr('#backup-look [data-same-session]', 'data-same-session'),
      session: await attr('#backup-look [data-session]', 'data-session'),
      messages: sorted(await attr('#backup-look [data-message-ids]', 'data-message-ids')),
    }).toEqual({ status: '200', same: 'true', session: made.handle, messages: ids });
    expect(await rowsOf(made.handle!)).toEqual(ids);
    expect(await sessionKeys(made.handle!)).toBe(1);
    process.stderr.write(`[lesson 15] restored in ${seconds} s: ${await page().locator('#backup-restore-result').textContent()}\n`);
  }, 120_000);

  it('when every step is done, then the worksheet passes, axe finds nothing serious, and Redis, PostgreSQL and every replica serve', async () => {
    const text = await untilEveryStepPasses(page());
    process.stderr.write(`[lesson 15] ${text.split('\n')[0]}\n`);
    expect(await seriousAxeViolations(page())).toEqual([]);
    expect(lab.pageErrors).toEqual([]);
    const status = statusTable({ ...process.env, ...cluster.env });
    for (const name of ['redis', 'postgres', ...cluster.replicas.map((r) => r.id)]) expect(status).toMatch(new RegExp(`^\\s*${name}\\s+ready\\s`, 'm'));
    await untilEveryReplicaServes(cluster);
  }, 120_000);
});
