// Lesson 15's view, "Backup and restore": make a conversation, take a backup (its manifest's
// counts listed), the accident, restore, and look again with the old cookie
// (lab/lessons/15-backup-restore.ts does each with the launcher's own backup and restore).
import type { LabEvent, LabState } from '../../../lab/lab-types';
import {
  BACKUP_LESSON, type Accident, type BackupEntry, type BackupSnapshot, type BackupTaken, type ConversationMade, type Look, type Restored, type RestoreRequest,
} from '../../../lab/lessons/15-backup-restore.contract';
import { describeError } from '../api';
import { busy, clock, fill, h } from '../dom';
import type { Panel, PanelContext } from '../panels/panel';
import { confirmFirst, lessonEvent, lessonPath, withCommand, type LessonPanelSpec } from './lesson-panel';

const COUNTED = ['users', 'products', 'messages', 'sessions'];
const short = (id: string) => `${id.slice(0, 8)}…`;
const counts = (c: Record<string, number> | null) => (c ? Object.entries(c).map(([k, n]) => `${k} ${n}`).join(', ') : '—');

function createBackupPanel(ctx: PanelContext, body: HTMLElement): Panel {
  let snap: BackupSnapshot = { redisMode: 'standalone', backups: [], conversation: null, backup: null, accident: null, restore: null, look: null };
  const path = (p: string) => lessonPath(BACKUP_LESSON, p);
  const button = (label: string, attrs: Record<string, string | boolean> = {}) =>
    h('button', { type: 'button', 'data-needs-token': true, disabled: !ctx.api.canPost, ...attrs }, label);

  const make = button('Make a conversation', { 'data-step': 'conversation' });
  const take = button('Take a backup', { 'data-step': 'backup' });
  const accident = button('Accident: delete the messages (PostgreSQL) and the session (Redis)', { class: 'danger', 'data-step': 'accident' });
  const lookAgain = button('Look again', { 'data-step': 'look' });
  const restore = button('Restore', { class: 'danger', 'data-step': 'restore' });
  const choice = h('select', { id: 'backup-choice' });
  const restoreControl = withCommand(restore, 'npm run cluster -- restore backups/<backup>');
  const refresh = h('button', { type: 'button' }, 'Refresh the list');
  const conversation = h('div', { id: 'backup-conversation' });
  const backups = h('tbody');
  const sentinelNote = h('p', { class: 'note', hidden: true }, 'This cluster runs REDIS_MODE=sentinel: restore is refused here, as npm run cluster -- restore refuses it. Restore into a standalone cluster, then start sentinel mode from it.');
  const accidentResult = h('p', { id: 'backup-accident', 'aria-live': 'polite' });
  const restoreResult = h('p', { id: 'backup-restore-result', 'aria-live': 'polite' });
  const looked = h('div', { id: 'backup-look', 'aria-live': 'polite' });

  fill(body,
    h('h3', {}, '1. The data'),
    h('div', { class: 'controls' }, withCommand(make, 'curl -c jar -X POST localhost:8080/api/v1/stateful/sessions; curl -b jar -H "content-type: application/json" -d \'{"text":"…"}\' localhost:8080/api/v1/stateful/conversations')),
    conversation,
    h('h3', {}, '2. Backups'),
    h('div', { class: 'controls' }, withCommand(take, 'npm run cluster -- backup'), refresh),
    sentinelNote,
    h('div', { class: 'table-scroll' },
      h('table', { id: 'backup-table' },
        h('caption', {}, 'backups/ — what each holds, from its manifest.json (newest first)'),
        h('thead', {}, h('tr', {}, ...['backup', 'taken', ...COUNTED].map((t) => h('th', { scope: 'col' }, t)))),
        backups)),
    h('h3', {}, '3. The accident'),
    h('div', { class: 'controls' }, withCommand(accident, 'psql "$DATABASE_URL" -c "DELETE FROM messages WHERE session_id = \'<session id>\'"; curl -b jar -X DELETE localhost:8080/api/v1/stateful/sessions/<session id>')),
    accidentResult,
    h('h3', {}, '4. Restore, and look again'),
    h('div', { class: 'controls' }, h('label', {}, 'Backup to restore ', choice), restoreControl),
    restoreResult,
    h('div', { class: 'controls' }, withCommand(lookAgain, 'curl -b jar localhost:8080/api/v1/stateful/sessions/current; curl -b jar localhost:8080/api/v1/stateful/sessions/<session id>/history')),
    looked,
  );

  const fail = (error: unknown) => ctx.notify(describeError(error), 'error');

  function drawConversation(): void {
    const c = snap.conversation;
    if (!c) return fill(conversation, h('p', { class: 'note' }, 'No conversation yet.'));
    fill(conversation, h('p', { 'data-session': c.session, 'data-message-ids': c.messageIds.join(' ') },
      `${clock(c.at)} ${c.client} opened session ${c.session}… on ${c.createdBy ?? '?'} and posted ${c.messageIds.length} messages: `,
      ...c.messageIds.flatMap((id, i) => [i ? ', ' : '', h('code', {}, short(id))])));
  }

  const chosen = (): BackupEntry | undefined => snap.backups.find((b) => b.name === choice.value);

  function drawChoice(): void {
    const command = restoreControl.querySelector('code');
    if (command) command.textContent = `npm run cluster -- restore backups/${choice.value || '<backup>'}`;
    restore.disabled = !ctx.api.canPost || snap.redisMode === 'sentinel' || !chosen();
  }

  function drawBackups(): void {
    sentinelNote.hidden = snap.redisMode !== 'sentinel';
    const kept = choice.value;
    fill(choice, ...snap.backups.map((b) => h('option', { value: b.name }, b.name)));
    // The newest backup unless the student chose another that is still listed.
    choice.value = snap.backups.some((b) => b.name === kept) ? kept : (snap.backups[0]?.name ?? '');
    drawChoice();
    if (!snap.backups.length) return fill(backups, h('tr', {}, h('td', { colspan: COUNTED.length + 2 }, 'No backup in backups/ yet.')));
    fill(backups, ...snap.backups.map((b) => h('tr', { 'data-backup': b.name },
      h('th', { scope: 'row' }, h('code', {}, b.name)),
      h('td', {}, new Date(b.createdAt).toLocaleString()),
      ...COUNTED.map((k) => h('td', { 'data-count': k, 'data-value': b.counts[k] ?? '' }, b.counts[k] ?? '—')))));
  }

  function drawAccident(): void {
    const a = snap.accident;
    if (!a) return fill(accidentResult);
    accidentResult.setAttribute('data-messages-left', String(a.messagesAfter.ids.length));
    accidentResult.setAttribute('data-session-status', String(a.sessionAfter.status));
    accidentResult.textContent = `${clock(a.at)} ${a.messagesDeleted} message rows deleted: the history then listed ${a.messagesAfter.ids.length}. Session ${a.session}… logged out (DELETE answered ${a.sessionDeleteStatus}); the old cookie now answers ${a.sessionAfter.status} ${a.sessionAfter.errorCode ?? ''}.`;
  }

  function drawLook(l: Look | null): void {
    if (!l) return fill(looked);
    const same = l.messages.ids.length === l.expectedIds.length && l.expectedIds.every((id) => l.messages.ids.includes(id));
    fill(looked,
      h('p', { 'data-session-status': l.session.status, 'data-same-session': String(l.session.same), 'data-session': l.session.handle ?? '' },
        `${clock(l.at)} the old cookie: `, l.session.status === 200 ? `session ${l.session.handle}… (${l.session.same ? 'the same id ✓' : 'another id ✕'}, served by ${l.session.servedBy})` : `${l.session.status} ${l.session.errorCode ?? ''}`),
      h('p', { 'data-history-status': l.messages.status, 'data-message-ids': l.messages.ids.join(' '), 'data-same-messages': String(same) },
        l.messages.status === 200 ? `The history lists ${l.messages.ids.length} messages (${same ? 'the same ids ✓' : `expected ${l.expectedIds.length}`}): ` : `The history answers ${l.messages.status} ${l.messages.errorCode ?? ''}.`,
        ...l.messages.ids.flatMap((id, i) => [i ? ', ' : '', h('code', {}, short(id))])));
  }

  function drawRestore(r: Restored | null): void {
    if (r) snap = { ...snap, restore: r, look: r.look ?? snap.look };
    const shown = snap.restore;
    if (!shown) {
      restoreResult.textContent = 'Press Restore on a backup above.';
      restoreResult.removeAttribute('data-seconds');
    } else {
      restoreResult.setAttribute('data-seconds', shown.seconds.toFixed(1));
      restoreResult.setAttribute('data-ok', String(shown.ok));
      restoreResult.textContent = shown.ok
        ? `${clock(shown.at)} backups/${shown.backup} restored in ${shown.seconds.toFixed(1)} s. After it: ${counts(shown.restored)} (the backup held ${counts(shown.expected)}).`
        : `${clock(shown.at)} the restore of backups/${shown.backup} failed: ${shown.error ?? 'no reason given'}`;
    }
    drawLook(snap.look);
  }

  function draw(): void {
    drawConversation();
    drawBackups();
    drawAccident();
    drawRestore(null);
  }

  make.addEventListener('click', () => busy(make, async () => {
    snap = { ...snap, conversation: await ctx.api.post<ConversationMade>(path('/conversation')) };
    drawConversation();
  }, fail));
  take.addEventListener('click', () => busy(take, async () => {
    const taken = await ctx.api.post<BackupTaken>(path('/backups'));
    if (!taken.ok) ctx.notify(`The backup failed: ${taken.error}`, 'error');
    await reload();
  }, fail));
  accident.addEventListener('click', () => {
    if (!confirmFirst('The accident: this deletes the conversation\'s messages from PostgreSQL (DELETE FROM messages WHERE session_id = …) and logs its session out of Redis (DELETE …/sessions/:id).')) return;
    busy(accident, async () => {
      snap = { ...snap, accident: await ctx.api.post<Accident>(path('/accident')) };
      drawAccident();
    }, fail);
  });
  lookAgain.addEventListener('click', () => busy(lookAgain, async () => {
    snap = { ...snap, look: await ctx.api.post<Look>(path('/look')) };
    drawLook(snap.look);
  }, fail));
  refresh.addEventListener('click', () => busy(refresh, reload, fail));
  choice.addEventListener('change', drawChoice);
  restore.addEventListener('click', () => {
    const b = chosen();
    if (!b) return;
    if (!confirmFirst(`Restore backups/${b.name} (taken ${new Date(b.createdAt).toLocaleString()}): PostgreSQL is replaced by the backup (pg_restore --clean), then Redis is stopped, its data replaced by the backup's snapshot and started again — stateful routes answer 503 for those seconds. Everything written since the backup was taken is lost.`)) return;
    restoreResult.textContent = `Restoring backups/${b.name}…`;
    busy(restore, async () => drawRestore(await ctx.api.post<Restored>(path('/restore'), { backup: b.name } satisfies RestoreRequest)), fail);
  });

  async function reload(): Promise<void> {
    snap = await ctx.api.get<BackupSnapshot>(path('/state'));
    draw();
  }

  draw();
  return {
    hello(state: LabState) {
      const given = state.lessons[BACKUP_LESSON] as BackupSnapshot | undefined;
      if (given) snap = given;
      draw();
    },
    event(event: LabEvent) {
        const made = lessonEvent<ConversationMade>(event, BACKUP_LESSON, 'conversation');
      const taken = lessonEvent<BackupTaken>(event, BACKUP_LESSON, 'backup');
      const hit = lessonEvent<Accident>(event, BACKUP_LESSON, 'accident');
      const restored = lessonEvent<Restored>(event, BACKUP_LESSON, 'restore');
      const look = lessonEvent<Look>(event, BACKUP_LESSON, 'look');
      // Only the part that changed is drawn again: a keyboard user's focus stays where it was.
      if (made) {
        snap = { ...snap, conversation: made.data };
        drawConversation();
      }
      if (taken?.data.backup) {
        snap = { ...snap, backup: taken.data, backups: [taken.data.backup, ...snap.backups.filter((b) => b.name !== taken.data.backup!.name)].slice(0, 20) };
        drawBackups();
      }
      if (hit) {
        snap = { ...snap, accident: hit.data };
        drawAccident();
      }
      if (restored) drawRestore(restored.data);
      if (look) {
        snap = { ...snap, look: look.data };
        drawLook(snap.look);
      }
    },
  };
}

export const backupPanel: LessonPanelSpec = {
  lesson: BACKUP_LESSON,
  id: 'backup',
  title: 'Backup and restore',
  predict: 'A backup is taken, then a conversation\'s messages and its session are deleted: after a restore, does the old cookie find the same session, and does the history list the same messages? Watch for the manifest\'s counts, the seconds the restore takes, and the same ids coming back.',
  create: createBackupPanel,
};
