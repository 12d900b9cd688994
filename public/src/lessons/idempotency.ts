// Lesson 13's view, "A request cut off mid-flight": a run without keys and a run with an
// Idempotency-Key on every increment, each with a replica SIGKILLed under it, side by side as the
// chaos suite's counter check judges them (lab/lessons/13-idempotency-keys.ts runs them).
import type { LabEvent, LabState } from '../../../lab/lab-types';
import { IDEMPOTENCY_LESSON, type IdempotencyRun, type IdempotencyRunRequest, type IdempotencySnapshot } from '../../../lab/lessons/13-idempotency-keys.contract';
import { describeError } from '../api';
import { busy, clock, fill, h } from '../dom';
import type { Panel, PanelContext } from '../panels/panel';
import { confirmFirst, lessonEvent, lessonPath, withCommand, type LessonPanelSpec } from './lesson-panel';

const PHASE: Record<IdempotencyRun['phase'], string> = {
  running: 'running',
  killed: 'replica killed, clients still sending',
  restarting: 'starting the killed replica again',
  done: 'done',
  failed: 'failed',
};

type Row = [field: string, label: string, value: (r: IdempotencyRun) => string | number | null, bad?: (r: IdempotencyRun) => boolean];

/** What each row of the table shows; `bad` marks a figure the lesson is about. */
const ROWS: Row[] = [
  ['attempted', 'attempted (increments)', (r) => r.check?.attempted ?? null],
  ['acknowledged', 'acknowledged (200)', (r) => r.check?.acknowledged ?? null],
  ['unacknowledged', 'unacknowledged (the client cannot know)', (r) => r.check?.unacknowledged ?? null, (r) => (r.check?.unacknowledged ?? 0) > 0],
  ['final', 'final counter', (r) => r.check?.final ?? null],
  ['lost', 'lost (acknowledged, not stored)', (r) => r.check?.lost ?? null, (r) => (r.check?.lost ?? 0) > 0],
  ['duplicated', 'duplicated (stored twice)', (r) => r.check?.duplicated ?? null, (r) => (r.check?.duplicated ?? 0) > 0],
  ['ambiguousApplied', 'ambiguous applied (failed, yet counted)', (r) => r.check?.ambiguousApplied ?? null, (r) => (r.check?.ambiguousApplied ?? 0) > 0],
  ['victim', 'replica killed', (r) => (r.victim ? `${r.victim} at ${((r.killedAtMs ?? 0) / 1000).toFixed(1)} s, after ${r.victimAnswered} answers` : null)],
  ['statuses', 'HTTP requests by status', (r) => (Object.keys(r.statuses).length ? Object.entries(r.statuses).map(([s, n]) => `${s === '0' ? 'no answer' : s} × ${n}`).join(', ') : null)],
  ['nginxRetries', 'nginx retries (X-Upstream lists two)', (r) => (r.phase === 'running' || r.phase === 'killed' ? null : r.nginxRetries)],
  ['replays', 'replayed answers', (r) => (r.phase === 'running' || r.phase === 'killed' ? null : r.replays)],
  ['servingAgain', 'killed replica serving again', (r) => (r.servingAgainAfterS === null ? null : `${r.servingAgainAfterS.toFixed(1)} s after the start`)],
];

function createIdempotencyPanel(ctx: PanelContext, body: HTMLElement): Panel {
  const runs = new Map<string, IdempotencyRun>();
  const unkeyed = h('button', { type: 'button', class: 'danger', 'data-needs-token': true, 'data-run': 'unkeyed', disabled: !ctx.api.canPost }, 'Run without keys');
  const keyed = h('button', { type: 'button', class: 'danger', 'data-needs-token': true, 'data-run': 'keyed', disabled: !ctx.api.canPost }, 'Run with Idempotency-Key');
  const status = h('p', { class: 'run-status', id: 'idempotency-status', 'aria-live': 'polite' });
  const summary = h('p', { class: 'race-latest', id: 'idempotency-summary', 'aria-live': 'polite' });
  const table = h('tbody');
  const columns = { false: h('th', { scope: 'col' }, 'without keys'), true: h('th', { scope: 'col' }, 'with Idempotency-Key') };
  fill(body,
    h('p', { class: 'note' }, '12 clients, each from its own address, increment one counter for 6 s. After 1.5 s the replica answering most of them is SIGKILLed (the Cluster panel\'s kill) and started again when the run ends. Unkeyed increments are never retried; keyed ones are retried with the same key until acknowledged.'),
    h('div', { class: 'controls' },
      withCommand(unkeyed, 'npm run cluster -- kill <replica>   # while clients POST /api/v1/stateful/counter/atomic'),
      withCommand(keyed, 'the same, each POST with -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)"')),
    status,
    summary,
    h('div', { class: 'table-scroll' },
      h('table', { id: 'idempotency-table' },
        h('caption', {}, 'The last run of each kind, judged by the chaos suite\'s counter check (acknowledged ≤ final ≤ attempted)'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'measure'), columns.false, columns.true)),
        table)),
  );

  const latest = (k: boolean) => [...runs.values()].filter((r) => r.keyed === k).sort((a, b) => a.startedAt - b.startedAt).at(-1);

  function cell(run: IdempotencyRun | undefined, [field, , value, bad]: Row): HTMLTableCellElement {
    const shown = run ? value(run) : null;
    return h('td', {
      'data-keyed': run ? String(run.keyed) : null,
      'data-field': field,
      'data-value': shown ?? '',
      class: run && bad ? (bad(run) ? 'lost' : 'kept') : '',
    }, shown === null ? (run && run.phase !== 'done' ? '…' : '—') : shown);
  }

  function sentence(r: IdempotencyRun): string {
    const c = r.check;
    if (r.phase === 'failed') return `The run ${r.keyed ? 'with' : 'without'} keys failed: ${r.error ?? 'no reason given'}.`;
    if (!c) return '';
    return r.keyed
      ? `With keys: ${c.acknowledged} of ${c.attempted} increments acknowledged, the counter at ${c.final} — lost ${c.lost}, duplicated ${c.duplicated}; nginx re-sent ${r.nginxRetries} cut-off requests to another replica.`
      : `Without keys: ${c.unacknowledged} of ${c.attempted} increments got no success answer; the counter says ${c.ambiguousApplied} of them were applied anyway — the client cannot tell which. Lost ${c.lost}, duplicated ${c.duplicated}.`;
  }

  function draw(): void {
    const runsOf = { false: latest(false), true: latest(true) };
    for (const k of ['false', 'true'] as const) {
      const r = runsOf[k];
      columns[k].setAttribute('data-phase', r?.phase ?? '');
      columns[k].setAttribute('data-session', r?.session ?? '');
      columns[k].textContent = `${k === 'true' ? 'with Idempotency-Key' : 'without keys'}${r ? ` · ${clock(r.startedAt)}${r.session ? ` · session ${r.session}…` : ''}` : ''}`;
    }
    fill(table, ...ROWS.map((row) => h('tr', { 'data-row': row[0] }, h('th', { scope: 'row' }, row[1]), cell(runsOf.false, row), cell(runsOf.true, row))));
    const newest = [...runs.values()].sort((a, b) => a.startedAt - b.startedAt).at(-1);
    status.textContent = newest ? `${clock(newest.startedAt)} run ${newest.keyed ? 'with' : 'without'} keys: ${PHASE[newest.phase]}${newest.error ? ` (${newest.error})` : ''}.` : 'No run yet.';
    status.setAttribute('data-phase', newest?.phase ?? '');
    summary.textContent = newest ? sentence(newest) : '';
  }

  function add(run: IdempotencyRun): void {
    runs.set(run.runId, run);
    // The page keeps what the controller keeps (its last 10 runs): Map order is insertion order.
    for (const id of [...runs.keys()].slice(0, Math.max(0, runs.size - 10))) runs.delete(id);
    draw();
  }

  function start(button: HTMLButtonElement, other: HTMLButtonElement, isKeyed: boolean): void {
    if (!confirmFirst(`This sends 6 s of counter increments ${isKeyed ? 'with an Idempotency-Key each' : 'without keys'}, SIGKILLs the replica answering most of them after 1.5 s (requests in flight on it are cut off), and starts it again when the run ends.`)) return;
    other.disabled = true;
    busy(button, async () => {
      try {
        add(await ctx.api.post<IdempotencyRun>(lessonPath(IDEMPOTENCY_LESSON, '/runs'), { keyed: isKeyed } satisfies IdempotencyRunRequest));
      } finally {
        other.disabled = !ctx.api.canPost;
      }
    }, (error) => ctx.notify(describeError(error), 'error'));
  }

  unkeyed.addEventListener('click', () => start(unkeyed, keyed, false));
  keyed.addEventListener('click', () => start(keyed, unkeyed, true));
  draw();

  return {
    hello(state: LabState) {
      const snapshot = state.lessons[IDEMPOTENCY_LESSON] as IdempotencySnapshot | undefined;
      for (const run of snapshot?.runs ?? []) runs.set(run.runId, run);
      draw();
    },
    event(event: LabEvent) {
      const run = lessonEvent<IdempotencyRun>(event, IDEMPOTENCY_LESSON, 'run');
      if (run) add(run.data);
    },
  };
}

export const idempotencyPanel: LessonPanelSpec = {
  lesson: IDEMPOTENCY_LESSON,
  id: 'idempotency',
  title: 'A request cut off mid-flight',
  predict: 'A replica is SIGKILLed while increments are in flight on it: without keys, how many fail, and did those count? With an Idempotency-Key, will any be lost or counted twice? Watch for unacknowledged and ambiguous applied without keys, and for zeros everywhere with keys.',
  create: createIdempotencyPanel,
};
