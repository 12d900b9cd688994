// Lesson 14's view: sessions opened through nginx (shown by handle, never by id), every Redis of
// the cluster with its role and its kill/start buttons (the Cluster panel's own /actions path),
// the counts of the held sessions, and — with REDIS_MODE=sentinel — a failover run: the primary
// killed under a stream of session writes, the promotion and the writes failing and coming back.
import type { ActionEvent, ComponentState, LabEvent, LabState } from '../../../lab/lab-types';
import {
  DURABILITY_LESSON,
  SENTINEL_RESTART,
  type DurabilitySnapshot,
  type FailoverRun,
  type FailoverWrite,
  type SessionBatch,
  type SessionCount,
  type SessionsRequest,
} from '../../../lab/lessons/14-redis-survives.contract';
import { describeError } from '../api';
import { busy, fill, h } from '../dom';
import { answerDot } from '../panels/request-dot';
import { lessonEvent, lessonPath, withCommand, type LessonPanelSpec } from './lesson-panel';

const KEPT = 12;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function tallyOf(writes: FailoverWrite[]): string {
  const counts = new Map<string, number>();
  for (const w of writes) {
    const what = `${w.status || 'no answer'}${w.errorCode ? ` ${w.errorCode}` : ''}`;
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].map(([what, n]) => `${n} × ${what}`).join(', ');
}

export const durabilityPanel: LessonPanelSpec = {
  lesson: DURABILITY_LESSON,
  id: 'durability',
  title: 'Durability',
  predict:
    'Open sessions, then kill -9 every Redis and start it again: how many sessions does the count find? With Sentinel, kill the primary under writes: how long until the replica is primary, and what do the writes see meanwhile?',
  create(ctx, body) {
    let snap: DurabilitySnapshot = { redisMode: 'standalone', held: 0, batches: [], counts: [], failover: null };
    let components: ComponentState[] = [];
    const howMany = h('input', { id: 'durability-how-many', type: 'number', min: 1, max: 200, value: 100 });
    const open = h('button', { type: 'button', 'data-needs-token': true, id: 'durability-open' }, 'Open sessions');
    const count = h('button', { type: 'button', 'data-needs-token': true, id: 'durability-count' }, 'Count the sessions');
    const killAll = h('button', { type: 'button', class: 'danger', 'data-needs-token': true, id: 'durability-kill-all' }, 'kill -9 every Redis');
    const startAll = h('button', { type: 'button', 'data-needs-token': true, id: 'durability-start-all' }, 'start every Redis');
    const failover = h('button', { type: 'button', class: 'danger', 'data-needs-token': true, id: 'durability-failover' }, 'Kill the primary and watch');
    const mode = h('p', { id: 'durability-mode' });
    const held = h('p', { id: 'durability-held', 'aria-live': 'polite' });
    const servers = h('ul', { class: 'probe-buttons', id: 'durability-redis' });
    const counts = h('table', { id: 'durability-counts' },
      h('caption', {}, 'Counts of the held sessions, newest first: each session asked once through nginx (GET /api/v1/stateful/sessions/current)'),
      h('thead', {}, h('tr', {}, ...['when', 'found', 'lost', 'unavailable', 'Redis then'].map((t) => h('th', { scope: 'col' }, t)))));
    const run = h('div', { id: 'durability-run', 'aria-live': 'polite' });

    const fail = (error: unknown) => ctx.notify(describeError(error), 'error');
    open.addEventListener('click', () =>
      busy(open, async () => {
        const request: SessionsRequest = { count: howMany.valueAsNumber || 100 };
        await ctx.api.post<SessionBatch>(lessonPath(DURABILITY_LESSON, '/sessions'), request);
      }, fail));
    count.addEventListener('click', () => busy(count, async () => void (await ctx.api.post<SessionCount>(lessonPath(DURABILITY_LESSON, '/count'))), fail));
    failover.addEventListener('click', () =>
      busy(failover, async () => void (await ctx.api.post<FailoverRun>(lessonPath(DURABILITY_LESSON, '/failover'))), fail));

    async function act(action: 'kill' | 'start', target: string): Promise<void> {
      const result = await ctx.api.post<ActionEvent>('/actions', { action, target });
      if (!result.ok) ctx.notify(`${action} ${target}: ${result.message}`, 'error');
    }
    const redisNames = () => components.filter((c) => c.kind === 'redis').map((c) => c.name);
    // Teaching note: the replica dies first, so the Sentinels never have a live copy to promote:
    // what comes back can only come from the files.
    killAll.addEventListener('click', () =>
      busy(killAll, async () => {
        const names = redisNames().sort((a, b) => (roleOf(a) === 'primary' ? 1 : 0) - (roleOf(b) === 'primary' ? 1 : 0));
        for (const name of names) if (components.find((c) => c.name === name)?.actions.includes('kill')) await act('kill', name);
      }, fail));
    startAll.addEventListener('click', () =>
      busy(startAll, async () => {
        // `redis` first: the replica's configuration names it as the primary to copy.
        for (const name of redisNames()) if (components.find((c) => c.name === name)?.state === 'down') await act('start', name);
      }, fail));
    const roleOf = (name: string) => components.find((c) => c.name === name)?.role;
    const killAllCommand = withCommand(killAll, 'npm run cluster -- kill redis');
    const startAllCommand = withCommand(startAll, 'npm run cluster -- start redis');
    /** The terminal commands behind the two buttons: one per Redis server, in the buttons' order. */
    function drawCommands(): void {
      const names = redisNames();
      if (!names.length) return;
      const killOrder = [...names].sort((a, b) => (roleOf(a) === 'primary' ? 1 : 0) - (roleOf(b) === 'primary' ? 1 : 0));
      killAllCommand.querySelector('code')!.textContent = killOrder.map((n) => `npm run cluster -- kill ${n}`).join(' && ');
      startAllCommand.querySelector('code')!.textContent = names.map((n) => `npm run cluster -- start ${n}`).join(' && ');
    }

    fill(
      body,
      mode,
      h('div', { class: 'controls' },
        h('label', {}, 'Sessions ', howMany), ' ',
        withCommand(open, `curl -s -c jar -X POST ${window.location.origin}/api/v1/stateful/sessions`), ' ',
        withCommand(count, `curl -s -b jar ${window.location.origin}/api/v1/stateful/sessions/current`)),
      held,
      h('div', { class: 'controls' }, killAllCommand, ' ', startAllCommand, ' ', failover),
      servers,
      h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'the counts of the held sessions' }, counts),
      run,
      h('p', { class: 'note' }, 'The lab keeps the sessions’ cookies to itself: a session id is a credential. Each session is shown by its handle, the first 8 hex of the SHA-256 of its id.'),
    );

    function drawMode(): void {
      const sentinel = snap.redisMode === 'sentinel';
      mode.dataset.redisMode = snap.redisMode;
      fill(mode, sentinel
        ? 'REDIS_MODE=sentinel: a Redis primary, its replica and three Sentinels.'
        : h('span', {}, 'REDIS_MODE=standalone: one Redis, no replica — steps 3 and 4 need Sentinel. Restart the cluster with ', h('code', { id: 'durability-sentinel-command' }, SENTINEL_RESTART), '.'));
      failover.disabled = !ctx.api.canPost || !sentinel || Boolean(snap.failover?.running);
      // Off in standalone: it should not look like the red buttons that do act.
      failover.className = sentinel ? 'danger' : '';
      failover.title = sentinel ? '' : `needs REDIS_MODE=sentinel: ${SENTINEL_RESTART}`;
    }

    function drawHeld(): void {
      const last = snap.batches.at(-1);
      held.dataset.held = String(snap.held);
      const failed = last ? Object.entries(last.failed).map(([what, n]) => `${n} × ${what}`).join(', ') : '';
      fill(held, `${snap.held} sessions held.`, last ? ` Last batch: ${last.created} of ${last.requested} opened${failed ? ` (${failed})` : ''}; first handles ${last.handles.join(' ')}.` : '');
    }

    function drawServers(): void {
      drawCommands();
      const shown = components.filter((c) => c.kind === 'redis' || c.kind === 'sentinel');
      if (!shown.length) return fill(servers, h('li', { 'data-redis': 'redis', 'data-state': 'absent' }, 'Redis: not started by the launcher — this view needs the launcher’s private Redis'));
      fill(servers, ...shown.map((c) => {
        const buttons = c.kind === 'redis'
          ? (['kill', 'start'] as const).map((action) => {
            const button = h('button', {
              type: 'button', class: action === 'kill' ? 'danger' : '', 'data-needs-token': true, 'data-redis-action': action,
              disabled: !ctx.api.canPost || !c.actions.includes(action), 'aria-label': `${action} ${c.name}`,
            }, `${action} ${c.name}`);
            button.addEventListener('click', () => busy(button, () => act(action, c.name), fail));
            return button;
          })
          : [];
        return h('li', { 'data-redis': c.name, 'data-state': c.state, 'data-ready': String(c.ready), 'data-role': c.role ?? '', 'data-pid': c.pid ?? '' },
          h('strong', {}, `${c.name}: ${c.state}${c.state === 'up' ? (c.ready ? `, ${c.role ?? 'ready'}` : ', not ready') : ''}`), c.pid ? ` pid ${c.pid} ` : ' ', ...buttons);
      }));
    }

    function drawCounts(): void {
      counts.querySelectorAll('tbody').forEach((t) => t.remove());
      counts.append(h('tbody', {}, ...[...snap.counts].reverse().map((c) =>
        h('tr', { 'data-found': c.found, 'data-held': c.held, 'data-lost': c.lost, 'data-unavailable': c.unavailable, 'data-by': c.by },
          h('th', { scope: 'row' }, `${new Date(c.at).toLocaleTimeString()}${c.by === 'failover' ? ' (after the failover)' : ''}`),
          h('td', { class: c.found === c.held ? 'kept' : 'lost' }, `${c.found} of ${c.held}`),
          h('td', {}, String(c.lost)),
          h('td', {}, String(c.unavailable)),
          h('td', {}, c.redis.filter((r) => r.role !== 'sentinel').map((r) => `${r.name} ${r.state}${r.role ? ` (${r.role})` : ''}`).join(', '))))));
    }

    function drawRun(): void {
      const r = snap.failover;
      if (!r) return fill(run);
      const after = r.writes.filter((w) => w.t >= 0);
      const failed = after.filter((w) => w.status !== 200 && w.status !== 201);
      Object.assign(run.dataset, {
        running: String(r.running), killed: r.killed ?? '', promoted: r.promoted ?? '', promotedAfterMs: r.promotedAfterMs ?? '',
        failed: String(failed.length), noSession: String(failed.filter((w) => w.status === 401).length), writes: String(after.length), recoveredAfterMs: r.recoveredAfterMs ?? '', error: r.error ?? '',
      });
      fill(run,
        h('p', { class: 'run-status', id: 'durability-run-status' },
          r.error ? `Failover run ended early: ${r.error}` :
            `${r.killed ? `${r.killed} killed (SIGKILL). ` : 'Writing to a session every 100 ms; waiting until the replica copies the primary… '}` +
            `${r.promoted ? `${r.promoted} promoted after ${s(r.promotedAfterMs ?? 0)}. ` : r.killed ? 'Waiting for the Sentinels… ' : ''}` +
            `${failed.length} of ${after.length} writes after the kill failed${failed.length ? ` (${tallyOf(failed)})` : ''}` +
            `${r.recoveredAfterMs !== null ? `; writes back ${s(r.recoveredAfterMs)} after the kill` : ''}` +
            `${r.count ? `; ${r.count.found} of ${r.count.held} sessions found afterwards.` : r.running ? '…' : '.'}`),
        h('div', { class: 'lane wrap', role: 'group', 'aria-label': 'the session writes of the run, oldest first' },
          ...r.writes.slice(-300).map((w) => answerDot({ status: w.status, replica: w.replica, retried: false, cacheStatus: null }, ctx.colours,
            `${w.t < 0 ? 'before the kill' : `${w.t} ms after the kill`}: ${w.status || 'no answer'}${w.errorCode ? ` ${w.errorCode}` : ''} in ${w.latencyMs} ms`))));
    }

    function drawAll(): void {
      drawMode();
      drawHeld();
      drawServers();
      drawCounts();
      drawRun();
    }

    drawAll();
    return {
      hello(state: LabState) {
        snap = (state.lessons[DURABILITY_LESSON] as DurabilitySnapshot | undefined) ?? { ...snap, redisMode: state.redisMode };
        snap = { ...snap, batches: snap.batches.slice(-KEPT), counts: snap.counts.slice(-KEPT) };
        components = state.components;
        drawAll();
      },
      event(event: LabEvent) {
        if (event.type === 'cluster') {
          components = event.components;
          drawServers();
        }
        const batch = lessonEvent<SessionBatch>(event, DURABILITY_LESSON, 'sessions');
        if (batch) {
          snap = { ...snap, held: batch.data.held, batches: [...snap.batches, batch.data].slice(-KEPT) };
          drawHeld();
        }
        const counted = lessonEvent<SessionCount>(event, DURABILITY_LESSON, 'count');
        if (counted) {
          snap = { ...snap, counts: [...snap.counts, counted.data].slice(-KEPT) };
          drawCounts();
        }
        const f = lessonEvent<FailoverRun>(event, DURABILITY_LESSON, 'failover');
        if (f) {
          snap = { ...snap, failover: f.data };
          drawRun();
          drawMode();
        }
      },
    };
  },
};
