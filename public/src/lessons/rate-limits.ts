// Lesson 10's view: one new client per probe sends N requests to the memory-store or the
// Redis-store limit, through least_conn or ip_hash; a row per variant shows how many got
// through, which replica let them through, and the drift factor (allowed ÷ limit).
import type { LabEvent, LabState } from '../../../lab/lab-types';
import {
  LIMIT_VARIANTS,
  LIMITS_LESSON,
  limitPath,
  type LimitProbe,
  type LimitProbeRequest,
  type LimitsSnapshot,
  type LimitStore,
  type LimitVia,
} from '../../../lab/lessons/10-rate-limits.contract';
import { describeError } from '../api';
import { busy, clock, fill, h } from '../dom';
import { shortLabel, textOn } from '../palette';
import { answerDot } from '../panels/request-dot';
import { lessonEvent, lessonPath, withCommand, type LessonPanelSpec } from './lesson-panel';

const variantKey = (store: LimitStore, via: LimitVia) => `${store}/${via}`;
const variantLabel = (store: LimitStore, via: LimitVia) => `${store} · ${via}`;
const ROUTE_NAME: Record<LimitVia, string> = { least_conn: '/api/… (least_conn)', ip_hash: '/sticky/api/… (ip_hash)' };

/** The same probe from a terminal: a new --interface address for every repeat, as the lab does. */
function command(store: LimitStore, via: LimitVia, count: number): string {
  return `for i in $(seq ${count}); do curl -s -o /dev/null -w '%{http_code} %header{x-instance-id}\\n' --interface 127.0.9.1 ${window.location.origin}${limitPath(store, via)}; done | sort | uniq -c`;
}

export const rateLimitsPanel: LessonPanelSpec = {
  lesson: LIMITS_LESSON,
  id: 'limits',
  title: 'Rate limits',
  predict:
    'One client sends 30 requests to a limit of 10 per minute. Counted in each replica’s memory behind least_conn, how many get through? Counted in Redis? Through ip_hash? Watch the allowed count per replica and the drift factor (allowed ÷ limit).',
  create(ctx, body) {
    const latest = new Map<string, LimitProbe>();
    const count = h('input', { id: 'limits-count', type: 'number', min: 1, max: 60, value: 30 });
    const status = h('p', { class: 'run-status', id: 'limits-latest', 'aria-live': 'polite' });
    const table = h('table', { id: 'limits-table' },
      h('caption', {}, 'The latest probe of each variant'),
      h('thead', {}, h('tr', {}, ...['store · route', 'client', 'allowed', 'per replica (✓ allowed, ✕ 429)', 'drift (allowed ÷ limit)'].map((t) => h('th', { scope: 'col' }, t)))));
    const headers = h('p', { class: 'note', id: 'limits-headers' });
    const commands: { code: HTMLElement; store: LimitStore; via: LimitVia }[] = [];

    const buttons = LIMIT_VARIANTS.map(({ store, via }) => {
      const button = h('button', { type: 'button', 'data-needs-token': true, 'data-probe': variantKey(store, via) }, variantLabel(store, via));
      button.addEventListener('click', () =>
        busy(button, async () => {
          const request: LimitProbeRequest = { store, via, count: count.valueAsNumber };
          status.textContent = `A new client sends ${request.count} requests to ${limitPath(store, via)}…`;
          show(await ctx.api.post<LimitProbe>(lessonPath(LIMITS_LESSON, '/probe'), request));
        }, (error) => ctx.notify(describeError(error), 'error')));
      const item = withCommand(button, command(store, via, count.valueAsNumber));
      commands.push({ code: item.querySelector('code')!, store, via });
      return h('li', {}, item);
    });
    count.addEventListener('input', () => {
      for (const c of commands) c.code.textContent = command(c.store, c.via, count.valueAsNumber || 30);
    });

    fill(
      body,
      h('div', { class: 'controls' }, h('label', {}, 'Requests per probe ', count)),
      h('ul', { class: 'probe-buttons' }, ...buttons),
      h('p', { class: 'note' },
        'Each probe comes from a client address nobody used before (127.1.N.1, a /24 of its own): the limit counts per address for its window, so a repeat from the same address would start with the earlier requests already counted and measure nothing. From a terminal, change the ',
        h('code', {}, '--interface'), ' address for every repeat.'),
      status,
      // Focusable: a student on a narrow screen scrolls it from the keyboard.
      h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'the latest probe of each variant' }, table),
      headers,
    );

    function replicaList(p: LimitProbe): HTMLElement {
      const entries = Object.entries(p.byReplica).sort(([a], [b]) => a.localeCompare(b));
      return h('ul', { class: 'replica-counts' }, ...entries.map(([replica, t]) => {
        const colour = ctx.colours.colour(replica === 'none' ? null : replica);
        return h('li', { 'data-replica': replica, 'data-allowed': t.allowed, 'data-refused': t.refused },
          h('span', { class: 'swatch', style: `background:${colour};color:${textOn(colour)}` }, replica === 'none' ? '–' : shortLabel(replica)),
          ` ${replica === 'none' ? 'no replica' : replica}: ${t.allowed} ✓ · ${t.refused} ✕`);
      }));
    }

    /** One variant: its figures on a row, its answers as squares on the row below. */
    function variantRows(store: LimitStore, via: LimitVia): HTMLTableSectionElement {
      const key = variantKey(store, via);
      const p = latest.get(key);
      const head = h('th', { scope: 'rowgroup', rowspan: p ? 2 : 1 }, `${store} store`, h('br'), h('small', {}, ROUTE_NAME[via]));
      if (!p) return h('tbody', {}, h('tr', { 'data-variant': key }, head, h('td', { colspan: 4 }, 'not probed yet')));
      const title = (a: LimitProbe['answers'][number], i: number) => `#${i + 1}: ${a.status}${a.errorCode ? ` ${a.errorCode}` : ''} from ${a.replica ?? 'no replica'}`;
      return h('tbody', {},
        h('tr', {
          'data-variant': key,
          'data-probe-id': p.id,
          'data-sent': p.sent,
          'data-allowed': p.allowed,
          'data-refused': p.refused,
          'data-other': p.other,
          'data-limit': p.limit ?? '',
          'data-drift': p.drift ?? '',
          'data-client-address': p.address,
        },
          head,
          h('td', {}, p.address, h('br'), h('small', {}, clock(p.at))),
          h('td', {}, h('strong', {}, `${p.allowed} of ${p.sent}`), p.other ? ` (${p.other} neither 200 nor 429)` : '', p.degraded ? ` (${p.degraded} degraded: Redis did not count)` : ''),
          h('td', {}, replicaList(p)),
          h('td', { class: p.drift !== null && p.drift > 1 ? 'lost' : 'kept' }, h('strong', {}, p.drift === null ? '—' : `${p.drift.toFixed(1)}×`), h('br'), h('small', {}, `limit ${p.limit ?? '?'}${p.windowSeconds ? ` per ${p.windowSeconds} s` : ''}`))),
        h('tr', { 'data-answers-of': key },
          h('td', { colspan: 4 }, h('div', { class: 'lane wrap', role: 'group', 'aria-label': `the ${p.sent} answers in order: a filled square was allowed, a hollow one with ! was 429` },
            ...p.answers.map((a, i) => answerDot({ ...a, cacheStatus: null }, ctx.colours, title(a, i)))))));
    }

    function draw(): void {
      table.querySelectorAll('tbody').forEach((t) => t.remove());
      table.append(...LIMIT_VARIANTS.map(({ store, via }) => variantRows(store, via)));
    }

    function show(p: LimitProbe): void {
      latest.set(variantKey(p.store, p.via), p);
      draw();
      status.textContent = `${variantLabel(p.store, p.via)}: ${p.allowed} of ${p.sent} allowed with a limit of ${p.limit ?? '?'} — drift ${p.drift?.toFixed(1) ?? '?'}× (${p.address}).`;
      fill(headers,
        'Latest answers\' headers: ', h('code', {}, `RateLimit-Policy: ${p.headers.policy ?? '—'}`), ' · last allowed ',
        h('code', {}, `RateLimit: ${p.headers.lastAllowed ?? '—'}`), ' · first 429 ', h('code', {}, `RateLimit: ${p.headers.firstRefused ?? '—'}`),
        ', ', h('code', {}, `Retry-After: ${p.headers.retryAfter ?? '—'}`));
    }

    draw();
    return {
      hello(state: LabState) {
        latest.clear();
        for (const p of (state.lessons[LIMITS_LESSON] as LimitsSnapshot | undefined)?.probes ?? []) latest.set(variantKey(p.store, p.via), p);
        draw();
      },
      event(event: LabEvent) {
        const probe = lessonEvent<LimitProbe>(event, LIMITS_LESSON, 'probe');
        if (probe) show(probe.data);
      },
    };
  },
};
