// Lesson 7's view: three routes asked every half second — one that needs nothing, one that needs
// Redis, one that needs PostgreSQL — in three lanes of squares, with Redis and PostgreSQL's state
// and their stop/start buttons (the Cluster panel's own /actions path) beside them.
import type { ActionEvent, ComponentState, LabEvent, LabState } from '../../../lab/lab-types';
import {
  DEPENDENCIES_LESSON,
  DEPENDENCY_ROUTES,
  type DependenciesSnapshot,
  type Dependency,
  type DependencyRound,
  type DependencyWatch,
  type WatchRequest,
} from '../../../lab/lessons/07-dependencies-fail-fast.contract';
import { describeError } from '../api';
import { busy, fill, h } from '../dom';
import { answerDot } from '../panels/request-dot';
import { lessonEvent, lessonPath, withCommand, type LessonPanelSpec } from './lesson-panel';

const KEPT = 40;
const NAMES: Record<Dependency, string> = { redis: 'Redis', postgres: 'PostgreSQL' };

export const dependenciesPanel: LessonPanelSpec = {
  lesson: DEPENDENCIES_LESSON,
  id: 'dependencies',
  title: 'Dependencies',
  predict:
    'Stop Redis while the three routes are asked every half second: which fail, with what, and how fast? Then PostgreSQL. Then bring both back: does any replica need a restart?',
  create(ctx, body) {
    let rounds: DependencyRound[] = [];
    let watch: DependencyWatch | null = null;
    let timeoutMs = 1000;
    const seconds = h('input', { id: 'dependencies-seconds', type: 'number', min: 5, max: 180, value: 60 });
    const start = h('button', { type: 'button', 'data-needs-token': true, id: 'dependencies-watch' }, 'Watch the three routes');
    const stop = h('button', { type: 'button', 'data-needs-token': true, id: 'dependencies-stop' }, 'Stop watching');
    const status = h('p', { class: 'run-status', id: 'dependencies-status', 'aria-live': 'polite' }, 'Not watching.');
    const deps = h('ul', { class: 'probe-buttons', id: 'dependencies-components' });
    const lanes = h('table', { id: 'dependencies-lanes' },
      h('caption', {}, 'The latest rounds, oldest first: one square per answer, coloured by the replica that gave it (✕ = 5xx)'),
      h('thead', {}, h('tr', {}, ...['route', 'needs', 'latest answer', 'answers'].map((t) => h('th', { scope: 'col' }, t)))));

    start.addEventListener('click', () =>
      busy(start, async () => {
        const request: WatchRequest = { seconds: seconds.valueAsNumber || 60 };
        showWatch(await ctx.api.post<DependencyWatch>(lessonPath(DEPENDENCIES_LESSON, '/watch'), request));
      }, (error) => ctx.notify(describeError(error), 'error')));
    stop.addEventListener('click', () =>
      busy(stop, async () => {
        await ctx.api.post(lessonPath(DEPENDENCIES_LESSON, '/stop'));
      }, (error) => ctx.notify(describeError(error), 'error')));

    fill(
      body,
      h('div', { class: 'controls' }, h('label', {}, 'Seconds ', seconds), ' ',
        withCommand(start, `while sleep 0.5; do for p in /api/v1/stateless/info /api/v1/stateful/sessions/current '/api/v1/stateless/products?limit=5&nocache=1'; do curl -s -b jar -o /dev/null -w "%{http_code} %{time_total}s  " "${window.location.origin}$p"; done; echo; done`),
        ' ', stop),
      status,
      deps,
      h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'the three routes, round by round' }, lanes),
      h('p', { class: 'note' },
        'Each round asks the three routes at the same moment, from one client with a Redis session. The catalogue is asked with ',
        h('code', {}, 'nocache=1'), ' so nginx’s edge cache (lesson 11) cannot answer for PostgreSQL.'),
    );

    async function act(action: 'stop' | 'start', target: Dependency): Promise<void> {
      const result = await ctx.api.post<ActionEvent>('/actions', { action, target });
      if (!result.ok) ctx.notify(`${action} ${target}: ${result.message}`, 'error');
    }

    function drawComponents(components: ComponentState[]): void {
      const state = ctx.state();
      fill(deps, ...(['redis', 'postgres'] as const).map((name) => {
        const c = components.find((x) => x.name === name);
        if (!c) return h('li', { 'data-dependency': name, 'data-state': 'absent' }, `${NAMES[name]}: not started by the launcher — stop it with your system's service manager`);
        const buttons = (['stop', 'start'] as const).map((action) => {
          const button = h('button', {
            type: 'button',
            class: action === 'stop' ? 'danger' : '',
            'data-needs-token': true,
            'data-dependency-action': action,
            'data-target': name,
            disabled: !ctx.api.canPost || !c.actions.includes(action),
            'aria-label': `${action} ${NAMES[name]}`,
          }, `${action} ${NAMES[name]}`);
          button.addEventListener('click', () => busy(button, () => act(action, name), (error) => ctx.notify(describeError(error), 'error')));
          return withCommand(button, state ? state.commands[action].replaceAll('<component>', name) : `npm run cluster -- ${action} ${name}`);
        });
        return h('li', { 'data-dependency': name, 'data-state': c.state, 'data-ready': String(c.ready) },
          h('strong', {}, `${NAMES[name]}: ${c.state}${c.state === 'up' ? (c.ready ? ', ready' : ', not ready') : ''}`), ' ', ...buttons);
      }));
    }

    function drawLanes(): void {
      lanes.querySelectorAll('tbody').forEach((t) => t.remove());
      const latest = rounds.at(-1);
      lanes.append(h('tbody', {}, ...DEPENDENCY_ROUTES.map(({ route, needs, label, path }) => {
        const last = latest?.answers.find((a) => a.route === route);
        return h('tr', {
          'data-route': route,
          'data-status': last?.status ?? '',
          'data-error-code': last?.errorCode ?? '',
          'data-latency-ms': last?.latencyMs ?? '',
        },
          h('th', { scope: 'row' }, label, h('br'), h('small', {}, h('code', {}, path))),
          h('td', {}, needs ? NAMES[needs] : 'nothing'),
          h('td', { class: last && last.status !== 200 ? 'lost' : 'kept' }, last ? `${last.status === 0 ? 'no answer' : last.status}${last.errorCode ? ` ${last.errorCode}` : ''} in ${last.latencyMs} ms` : '—'),
          h('td', {}, h('div', { class: 'lane wrap', role: 'group', 'aria-label': `the answers of ${label}, oldest first` },
            ...rounds.map((r) => {
              const a = r.answers.find((x) => x.route === route)!;
              return answerDot({ ...a, retried: false, cacheStatus: null }, ctx.colours, `round ${r.seq}: ${a.status}${a.errorCode ? ` ${a.errorCode}` : ''} from ${a.replica ?? 'no replica'} in ${a.latencyMs} ms`);
            }))));
      })));
    }

    function showWatch(w: DependencyWatch): void {
      watch = w;
      status.dataset.running = String(w.running);
      status.textContent = w.running
        ? `Asking the three routes every half second for ${w.seconds} s (${w.rounds} rounds so far)… Replicas wait at most ${timeoutMs} ms on a dependency.`
        : `Stopped after ${w.rounds} rounds.`;
    }

    function addRound(r: DependencyRound): void {
      rounds = [...rounds, r].slice(-KEPT);
      timeoutMs = r.timeoutMs;
      if (watch && watch.id === r.watchId) showWatch({ ...watch, rounds: r.seq });
      drawLanes();
    }

    drawLanes();
    return {
      hello(state: LabState) {
        const snapshot = state.lessons[DEPENDENCIES_LESSON] as DependenciesSnapshot | undefined;
        rounds = (snapshot?.rounds ?? []).slice(-KEPT);
        timeoutMs = snapshot?.timeoutMs ?? timeoutMs;
        if (snapshot?.watch) showWatch(snapshot.watch);
        drawComponents(state.components);
        drawLanes();
      },
      event(event: LabEvent) {
        if (event.type === 'cluster') drawComponents(event.components);
        const round = lessonEvent<DependencyRound>(event, DEPENDENCIES_LESSON, 'round');
        if (round) addRound(round.data);
        const w = lessonEvent<DependencyWatch>(event, DEPENDENCIES_LESSON, 'watch');
        if (w) showWatch(w.data);
      },
    };
  },
};
