// Lesson 12's view, "The admin API": the virtual students log in as the seeded users, the
// instructor (the lab, with a read and a write API key of its own) lists their logins page by
// page, revokes one — the student then asks every replica on its own port — and reads the audit
// log. Handles and key ids only: no cookie, secret or API key ever reaches this page.
import type { LabEvent, LabState } from '../../../lab/lab-types';
import {
  ADMIN_LESSON,
  DEFAULT_AUDIT_LIMIT,
  DEFAULT_PAGE_COUNT,
  DEFAULT_STUDENTS,
  type AdminSnapshot,
  type Answer,
  type AuditRead,
  type AuditRequest,
  type LabKeys,
  type LoginRequest,
  type LoginRound,
  type ReplicaAsked,
  type RevokeRequest,
  type Revocation,
  type SessionsWalk,
  type WalkRequest,
} from '../../../lab/lessons/12-admin-api.contract';
import { describeError } from '../api';
import { busy, clock, fill, h } from '../dom';
import { shortLabel, textOn } from '../palette';
import type { Panel, PanelContext } from '../panels/panel';
import { confirmFirst, lessonEvent, lessonPath, withCommand, type LessonPanelSpec } from './lesson-panel';

/** Pages of a walk the view lists one by one; the rest are summed up. */
const SHOWN_PAGES = 12;
const shown = (a: Answer) => `${a.status === 0 ? 'no answer' : a.status}${a.errorCode ? ` ${a.errorCode}` : ''}`;

function createAdminPanel(ctx: PanelContext, body: HTMLElement): Panel {
  let view: AdminSnapshot = { keys: null, logins: null, walk: null, revocation: null, audit: null };
  const origin = window.location.origin;
  const students = h('input', { id: 'admin-students', type: 'number', min: 1, max: 8, value: DEFAULT_STUDENTS });
  const count = h('input', { id: 'admin-count', type: 'number', min: 1, max: 500, value: DEFAULT_PAGE_COUNT });
  const limit = h('input', { id: 'admin-limit', type: 'number', min: 1, max: 200, value: DEFAULT_AUDIT_LIMIT });
  const chosen = h('select', { id: 'admin-revoke-client' });
  const loginButton = h('button', { type: 'button', id: 'admin-login', 'data-needs-token': true }, 'Log the students in');
  const walkButton = h('button', { type: 'button', id: 'admin-walk', 'data-needs-token': true }, 'List the sessions');
  const revokeButton = h('button', { type: 'button', id: 'admin-revoke', class: 'danger', 'data-needs-token': true }, 'Revoke');
  const auditButton = h('button', { type: 'button', id: 'admin-audit', 'data-needs-token': true }, 'Read the audit log');
  const keys = h('p', { class: 'note', id: 'admin-keys' });
  const status = h('p', { class: 'run-status', id: 'admin-status', 'aria-live': 'polite' });
  const logins = h('div', { id: 'admin-logins' });
  const walk = h('div', { id: 'admin-walk-result' });
  const revocation = h('div', { id: 'admin-revocation' });
  const audit = h('div', { id: 'admin-audit-result' });

  const post = <T>(button: HTMLButtonElement, path: string, request: unknown, saying: string) =>
    busy(button, async () => {
      status.textContent = saying;
      await ctx.api.post<T>(lessonPath(ADMIN_LESSON, path), request);
    }, (error) => ctx.notify(describeError(error), 'error'));

  loginButton.addEventListener('click', () => post<LoginRound>(loginButton, '/login', { students: students.valueAsNumber || DEFAULT_STUDENTS } satisfies LoginRequest, 'The students log in…'));
  walkButton.addEventListener('click', () => post<SessionsWalk>(walkButton, '/sessions', { count: count.valueAsNumber || DEFAULT_PAGE_COUNT } satisfies WalkRequest, 'The instructor follows the cursor page by page…'));
  auditButton.addEventListener('click', () => post<AuditRead>(auditButton, '/audit', { limit: limit.valueAsNumber || DEFAULT_AUDIT_LIMIT } satisfies AuditRequest, 'Reading the audit log…'));
  revokeButton.addEventListener('click', () => {
    const client = chosen.value;
    if (!client) return ctx.notify('Log the students in first: there is nobody to revoke', 'error');
    if (!confirmFirst(`This ends ${client}'s login for good (DELETE /api/v1/admin/sessions/<handle>): first with the read key, then with the write key.`)) return;
    post<Revocation>(revokeButton, '/revoke', { client } satisfies RevokeRequest, `Revoking ${client}'s login…`);
  });

  const replicaPorts = () => (ctx.state()?.replicas ?? []).map((r) => r.address.split(':').pop()).join(' ');
  fill(
    body,
    h('p', { class: 'note' },
      'The instructor\'s API at /api/v1/admin needs an X-API-Key: a read key may list logins and read the audit log, a write key may also revoke. The lab controller made one of each for itself, as ',
      h('code', {}, 'npm run admin -- key create'), ' does; the keys stay in the controller, this page sees their public ids.'),
    keys,
    h('div', { class: 'controls' }, h('label', {}, 'Students ', students),
      withCommand(loginButton, `curl -s -c jar -H 'content-type: application/json' -d '{"email":"ada@statelab.test","password":"statelab-ada","mode":"session"}' ${origin}/api/v1/auth/login`)),
    h('div', { class: 'controls' }, h('label', {}, 'SCAN COUNT per page ', count),
      withCommand(walkButton, `curl -s "${origin}/api/v1/admin/sessions?cursor=0&count=${DEFAULT_PAGE_COUNT}" -H "x-api-key: $KEY"   # then ?cursor=<nextCursor> until null`)),
    h('div', { class: 'controls' }, h('label', {}, 'Student ', chosen),
      withCommand(revokeButton, `curl -s -X DELETE ${origin}/api/v1/admin/sessions/<handle> -H "x-api-key: $WKEY"; for p in <replica ports>; do curl -s -b jar 127.0.0.1:$p/api/v1/auth/me; done`)),
    h('div', { class: 'controls' }, h('label', {}, 'Rows ', limit),
      withCommand(auditButton, `curl -s "${origin}/api/v1/admin/audit?limit=${DEFAULT_AUDIT_LIMIT}" -H "x-api-key: $KEY"`)),
    status,
    logins,
    walk,
    revocation,
    audit,
  );

  function swatch(replica: string | null): HTMLElement {
    const colour = ctx.colours.colour(replica);
    return h('span', { class: 'swatch', style: `background:${colour};color:${textOn(colour)}` }, replica ? shortLabel(replica) : '–');
  }

  /** The students the lab still holds a login for: the newest of the latest round and the latest revoke. */
  function holding(): LoginRound['logins'] {
    const { logins: round, revocation: r } = view;
    const held = new Set(r && round && r.at >= round.at ? r.held : (round?.held ?? []));
    return (round?.logins ?? []).filter((l) => held.has(l.client));
  }

  function drawKeys(k: LabKeys | null): void {
    keys.setAttribute('data-read', k?.read ?? '');
    keys.setAttribute('data-write', k?.write ?? '');
    keys.textContent = k
      ? `The lab's keys: key:${k.read} (read) and key:${k.write} (write), made at ${clock(k.createdAt)} — the audit log names them so.`
      : 'The lab makes its keys on the first listing, revoke or audit read.';
  }

  function drawLogins(): void {
    const round = view.logins;
    const previous = chosen.value;
    const held = holding();
    fill(chosen, ...held.map((l) => h('option', { value: l.client }, `${l.client} · ${l.email}`)));
    if (held.some((l) => l.client === previous)) chosen.value = previous;
    if (!round) return fill(logins, h('p', { class: 'note' }, 'Nobody logged in since the last reset.'));
    fill(logins, h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'the students\' logins' }, h('table', { id: 'admin-logins-table' },
      h('caption', {}, `Logged in at ${clock(round.at)}: each login's public handle (the cookie's secret half stays with the client)`),
      h('thead', {}, h('tr', {}, ...['client', 'user', 'answer', 'handle'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...round.logins.map((l) => h('tr', { 'data-client': l.client, 'data-status': l.status, 'data-handle': l.handle ?? '' },
        h('td', {}, l.client), h('td', {}, l.email), h('td', {}, swatch(l.replica), ` ${shown(l)}`), h('td', {}, h('code', {}, l.handle ?? '—'))))))));
  }

  function drawWalk(): void {
    const w = view.walk;
    if (!w) return fill(walk);
    const empty = w.pages.filter((p) => p.items === 0).length;
    const pages = w.pages.slice(0, SHOWN_PAGES);
    fill(walk,
      h('p', { id: 'admin-walk-summary', 'data-pages': w.pages.length, 'data-complete': String(w.complete), 'data-credentials-seen': w.credentialsSeen, 'data-listed': w.sessions.length },
        h('strong', {}, `${w.pages.length} pages`), ` of SCAN COUNT ${w.count} with key:${w.keyId} (${empty} empty) — ${w.complete ? 'the cursor came back to 0: the whole keyspace was walked' : 'the walk did not finish'}; ${w.sessions.length} logins listed; cookie secrets in the answers: ${w.credentialsSeen}.`),
      h('ol', { class: 'note', id: 'admin-pages', 'aria-label': 'the pages of the walk' },
        ...pages.map((p) => h('li', { 'data-cursor': p.cursor, 'data-replica': p.replica ?? '' }, swatch(p.replica), ` cursor ${p.cursor} → ${p.nextCursor ?? 'null'}: ${p.items} ${p.items === 1 ? 'login' : 'logins'}${p.status === 200 ? '' : ` (${shown(p)})`}`)),
        w.pages.length > SHOWN_PAGES ? h('li', {}, `… and ${w.pages.length - SHOWN_PAGES} more pages`) : null),
      h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'the logins the listing returned' }, h('table', { id: 'admin-sessions-table' },
        h('caption', {}, 'The logins the listing returned, the lab\'s students first: by handle — nothing here logs anyone in'),
        h('thead', {}, h('tr', {}, ...['handle', 'user', 'made by', 'expires in', 'student'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...w.sessions.map((s) => h('tr', { 'data-handle': s.handle, 'data-client': s.client ?? '' },
          h('td', {}, h('code', {}, s.handle)), h('td', {}, `${s.name} <${s.email}>`), h('td', {}, s.createdBy), h('td', {}, `${s.ttlSeconds} s`), h('td', {}, s.client ?? '—')))))));
  }

  function askedRow(label: string, when: 'before' | 'after', asked: ReplicaAsked[]): HTMLTableRowElement {
    return h('tr', { 'data-when': when }, h('th', { scope: 'row' }, label),
      ...asked.map((a) => h('td', { 'data-target': a.target, 'data-status': a.status, 'data-replica': a.replica ?? '', class: a.status === (when === 'before' ? 200 : 401) ? 'kept' : 'lost' }, shown(a))));
  }

  function drawRevocation(): void {
    const r = view.revocation;
    if (!r) return fill(revocation);
    fill(revocation,
      h('p', { id: 'admin-revoke-summary', 'data-handle': r.handle, 'data-read-status': r.withReadKey.status, 'data-write-status': r.withWriteKey.status },
        `${clock(r.at)} ${r.client} (${r.email}, handle `, h('code', {}, r.handle), `): DELETE with key:${r.keys.read} (read) → `, h('strong', {}, shown(r.withReadKey)),
        `; with key:${r.keys.write} (write) → `, h('strong', {}, shown(r.withWriteKey)), ' from ', swatch(r.withWriteKey.replica), '.'),
      h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'each replica before and after the revoke' }, h('table', { id: 'admin-replicas-table' },
        h('caption', {}, `${r.client} asks each replica on its own port, past nginx: GET /api/v1/auth/me with its cookie`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'when'), ...r.replicas.map((id) => h('th', { scope: 'col' }, swatch(id), ` ${id}`)))),
        h('tbody', {}, askedRow('before the revoke', 'before', r.before), askedRow('after the revoke', 'after', r.after)))));
  }

  function drawAudit(): void {
    const a = view.audit;
    if (!a) return fill(audit);
    const ours = new Set([view.revocation?.handle, ...(view.logins?.logins ?? []).map((l) => l.handle)].filter(Boolean));
    fill(audit, h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'the newest audit rows' }, h('table', { id: 'admin-audit-table', 'data-status': a.status },
      h('caption', {}, `The newest ${a.rows.length} audit rows at ${clock(a.at)} (read with key:${a.keyId}${a.status === 200 ? '' : `: ${shown(a)}`}); rows about the lab's students are marked`),
      h('thead', {}, h('tr', {}, ...['#', 'when', 'action', 'actor', 'target', 'replica'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...a.rows.map((row) => h('tr', { 'data-id': row.id, 'data-action': row.action, 'data-actor': row.actor ?? '', 'data-target': row.target ?? '', 'data-instance': row.instance ?? '', class: ours.has(row.target) ? 'kept' : '' },
        h('td', {}, row.id), h('td', {}, clock(Date.parse(row.at))), h('td', {}, row.action), h('td', {}, row.actor ?? '—'), h('td', {}, row.target ? h('code', {}, row.target) : '—'), h('td', {}, row.instance ?? '—')))))));
  }

  function draw(): void {
    drawKeys(view.keys);
    drawLogins();
    drawWalk();
    drawRevocation();
    drawAudit();
    revokeButton.title = `the student then asks each replica (ports ${replicaPorts() || '…'}) directly`;
  }

  draw();
  return {
    hello(state: LabState) {
      view = (state.lessons[ADMIN_LESSON] as AdminSnapshot | undefined) ?? { keys: null, logins: null, walk: null, revocation: null, audit: null };
      draw();
    },
    event(event: LabEvent) {
      const e = lessonEvent<unknown>(event, ADMIN_LESSON);
      if (!e) return;
      if (e.kind === 'keys') view = { ...view, keys: e.data as LabKeys };
      else if (e.kind === 'logins') view = { ...view, logins: e.data as LoginRound };
      else if (e.kind === 'walk') view = { ...view, walk: e.data as SessionsWalk };
      else if (e.kind === 'revoke') view = { ...view, revocation: e.data as Revocation };
      else if (e.kind === 'audit') view = { ...view, audit: e.data as AuditRead };
      else return;
      status.textContent = `${clock(e.at)}: ${e.kind === 'keys' ? 'the lab made its API keys' : e.kind === 'logins' ? 'the students logged in' : e.kind === 'walk' ? 'the listing was walked' : e.kind === 'revoke' ? 'a login was revoked' : 'the audit log was read'}.`;
      draw();
    },
  };
}

export const adminPanel: LessonPanelSpec = {
  lesson: ADMIN_LESSON,
  id: 'admin',
  title: 'Admin API',
  predict:
    'The instructor revokes one student\'s login through the admin API. Which replicas still let that student in a moment later — and which had to be told? What does a read-only key get when it tries? Watch the before/after row of each replica and the audit log\'s actor and replica columns.',
  create: createAdminPanel,
};
