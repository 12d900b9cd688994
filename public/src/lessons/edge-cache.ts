// Lesson 11's view: a burst of catalogue requests from one new client, each square marked with
// nginx's X-Cache-Status, beside every replica's own request counter for the route before and
// after; and the cached/uncached ratio of the latest benchmark (lesson 8's Bench panel runs it).
import type { LabEvent, LabState } from '../../../lab/lab-types';
import { BENCH_LESSON, type BenchFinished } from '../../../lab/lessons/08-state-has-a-price.contract';
import {
  benchRatioOf,
  BURST_PATH,
  CACHE_LESSON,
  CACHE_RATIO,
  CATALOGUE_ROUTE,
  type BenchRatioSeen,
  type BurstMode,
  type CacheBurst,
  type CacheBurstRequest,
  type CacheSnapshot,
} from '../../../lab/lessons/11-edge-cache.contract';
import { describeError } from '../api';
import { busy, clock, fill, h } from '../dom';
import { answerDot } from '../panels/request-dot';
import { lessonEvent, lessonPath, withCommand, type LessonPanelSpec } from './lesson-panel';

const MODE_LABEL: Record<BurstMode, string> = { cached: 'Send cached', uncached: 'Send uncached (nocache=1)' };
const KEPT_ROWS = 10;

function burstCommand(mode: BurstMode, count: number): string {
  return `for i in $(seq ${count}); do curl -s -o /dev/null -w '%header{x-cache-status} %header{x-instance-id}\\n' '${window.location.origin}${BURST_PATH[mode]}'; done | sort | uniq -c`;
}

const fixed = (n: number | null) => (n === null ? '?' : n.toFixed(1));

export const edgeCachePanel: LessonPanelSpec = {
  lesson: CACHE_LESSON,
  id: 'cache',
  title: 'Edge cache',
  predict:
    'Twenty requests for the catalogue within its 5 s max-age: how many does a replica serve? And with nocache=1? Watch the H (hit), M (miss) and B (bypass) on each square, and the replicas’ own request counters: they stand still on a hit.',
  create(ctx, body) {
    let bursts: CacheBurst[] = [];
    let bench: BenchRatioSeen | null = null;
    const count = h('input', { id: 'cache-count', type: 'number', min: 1, max: 100, value: 20 });
    const status = h('p', { class: 'run-status', id: 'cache-latest', 'aria-live': 'polite' });
    const dots = h('div', { class: 'dots', id: 'cache-dots', role: 'group', 'aria-label': 'the latest burst, oldest first: H hit, M miss, B bypass' });
    const counters = h('tbody');
    const history = h('tbody');
    const metricsCommand = h('code', { class: 'command', title: 'the same from a terminal' });
    const ratio = h('p', { id: 'cache-ratio', 'aria-live': 'polite' });
    const commands: { code: HTMLElement; mode: BurstMode }[] = [];

    const buttons = (['cached', 'uncached'] as const).map((mode) => {
      const button = h('button', { type: 'button', 'data-needs-token': true, 'data-burst': mode }, MODE_LABEL[mode]);
      button.addEventListener('click', () =>
        busy(button, async () => {
          const request: CacheBurstRequest = { mode, count: count.valueAsNumber };
          status.textContent = `A new client asks for ${BURST_PATH[mode]} ${request.count} times…`;
          add(await ctx.api.post<CacheBurst>(lessonPath(CACHE_LESSON, '/burst'), request));
        }, (error) => ctx.notify(describeError(error), 'error')));
      const item = withCommand(button, burstCommand(mode, count.valueAsNumber));
      commands.push({ code: item.querySelector('code')!, mode });
      return h('li', {}, item);
    });
    count.addEventListener('input', () => {
      for (const c of commands) c.code.textContent = burstCommand(c.mode, count.valueAsNumber || 20);
    });

    fill(
      body,
      h('div', { class: 'controls' }, h('label', {}, 'Requests per burst ', count)),
      h('ul', { class: 'probe-buttons' }, ...buttons),
      status,
      dots,
      h('p', { class: 'note' },
        'A hit (dashed) still carries an X-Instance-Id: the replica that filled the cache, not one that worked for this request. Other catalogue requests during a burst (a Request stream run of the catalogue) are counted by the replicas too.'),
      // Focusable: a student on a narrow screen scrolls them from the keyboard.
      h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'the replicas\' request counters' },
        h('table', { id: 'cache-counters' },
          h('caption', {}, `http_requests_total{route="${CATALOGUE_ROUTE}"} from each replica's own /metrics, around the latest burst`),
          h('thead', {}, h('tr', {}, ...['replica', 'before', 'after', 'Δ'].map((t) => h('th', { scope: 'col' }, t)))),
          counters)),
      h('p', { class: 'note' }, 'From a terminal: ', metricsCommand),
      h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'every burst' },
        h('table', { id: 'cache-bursts' },
          h('caption', {}, 'Every burst, newest first'),
          h('thead', {}, h('tr', {}, ...['time', 'burst', 'HIT · MISS · BYPASS', 'counted by the replicas', 'took'].map((t) => h('th', { scope: 'col' }, t)))),
          history)),
      ratio,
    );

    function drawLatest(): void {
      const b = bursts.at(-1);
      if (!b) {
        status.textContent = 'No burst yet.';
        fill(dots);
        fill(counters, h('tr', {}, h('td', { colspan: 4 }, 'no burst yet')));
        return;
      }
      status.textContent =
        `${b.sent} ${b.mode} requests in ${(b.durationMs / 1000).toFixed(2)} s (max-age ${b.maxAgeSeconds ?? '?'} s): ` +
        `${b.hits} HIT, ${b.misses} MISS, ${b.bypassed} BYPASS${b.failed ? `, ${b.failed} not 200` : ''} — the replicas counted ${b.counted ?? 'an unknown number (a /metrics did not answer)'}.`;
      fill(dots, ...b.answers.map((a, i) =>
        answerDot(a, ctx.colours, `#${i + 1}: ${a.status} · cache ${a.cacheStatus ?? '—'} · X-Instance-Id ${a.replica ?? '—'}${a.cacheStatus === 'HIT' ? ' (filled the cache earlier)' : ''}`)));
      const cell = (n: number | null) => (n === null ? '—' : String(n));
      fill(counters,
        ...b.counters.map((c) => h('tr', { 'data-replica': c.replica, 'data-before': c.before ?? '', 'data-after': c.after ?? '', 'data-delta': c.delta ?? '' },
          h('th', { scope: 'row' }, c.replica), h('td', {}, cell(c.before)), h('td', {}, cell(c.after)), h('td', {}, c.delta === null ? '— (no answer, or restarted)' : `+${c.delta}`))),
        h('tr', { 'data-replica': 'total', 'data-delta': b.counted ?? '' },
          h('th', { scope: 'row' }, 'all replicas'), h('td', {}), h('td', {}), h('td', {}, h('strong', {}, b.counted === null ? '—' : `+${b.counted}`), ` for ${b.sent} requests`)));
    }

    function drawHistory(): void {
      fill(history, ...bursts.slice(-KEPT_ROWS).reverse().map((b) =>
        h('tr', { 'data-burst-id': b.id, 'data-mode': b.mode, 'data-sent': b.sent, 'data-hits': b.hits, 'data-misses': b.misses, 'data-bypassed': b.bypassed, 'data-counted': b.counted ?? '', 'data-client-address': b.address },
          h('td', {}, clock(b.at)), h('td', { title: b.path }, `${b.sent} ${b.mode}`),
          h('td', {}, `${b.hits} · ${b.misses} · ${b.bypassed}`), h('td', {}, b.counted ?? '—'), h('td', {}, `${(b.durationMs / 1000).toFixed(2)} s`))));
    }

    function drawRatio(): void {
      if (!bench) {
        fill(ratio, `No benchmark of the catalogue yet: in Bench, run stateless-products-cached against stateless-products for “${CACHE_RATIO}”.`);
        ratio.removeAttribute('data-run-id');
        ratio.removeAttribute('data-median');
        return;
      }
      ratio.setAttribute('data-run-id', bench.runId);
      ratio.setAttribute('data-median', String(bench.median ?? ''));
      fill(ratio, 'Bench, run ', h('code', {}, bench.runId), `: ${CACHE_RATIO} = `, h('strong', {}, `${fixed(bench.median)}×`),
        ` (${fixed(bench.min)}–${fixed(bench.max)} over ${bench.runs} run${bench.runs === 1 ? '' : 's'}): the cached route answered that many times more requests per second.`);
    }

    function add(b: CacheBurst): void {
      if (!bursts.some((x) => x.id === b.id)) bursts = [...bursts, b].slice(-KEPT_ROWS);
      drawLatest();
      drawHistory();
    }

    function drawCommand(state: LabState): void {
      metricsCommand.textContent = `for a in ${state.replicas.map((r) => r.address).join(' ')}; do curl -s http://$a/metrics | grep '^http_requests_total.*route="${CATALOGUE_ROUTE}"'; done`;
    }

    drawLatest();
    drawRatio();
    return {
      hello(state: LabState) {
        const snapshot = state.lessons[CACHE_LESSON] as CacheSnapshot | undefined;
        bursts = snapshot?.bursts.slice(-KEPT_ROWS) ?? [];
        bench = snapshot?.bench ?? null;
        drawCommand(state);
        drawLatest();
        drawHistory();
        drawRatio();
      },
      event(event: LabEvent) {
        const burst = lessonEvent<CacheBurst>(event, CACHE_LESSON, 'burst');
        if (burst) add(burst.data);
        const finished = lessonEvent<BenchFinished>(event, BENCH_LESSON, 'finished');
        const seen = finished ? benchRatioOf(finished.data, finished.at) : null;
        if (seen) {
          bench = seen;
          drawRatio();
        }
      },
    };
  },
};
