// The benchmark (lesson 8, and the instructor's panel): runs the bench harness on this cluster from
// the page, one at a time — choose scenarios, runs and seconds, watch each replica's requests/s
// while it runs, then read the ratios, the shares per replica, the warnings and report.html; list
// earlier runs and compare two of them with the harness's compare.
import { benchArgs, benchCommand, plannedSeconds } from '../../../lab/bench-runs/bench-command';
import type { LabEvent, LabState } from '../../../lab/lab-types';
import {
  BENCH_LESSON,
  BENCH_LIMITS,
  BENCH_PRESETS,
  type BenchComparison,
  type BenchFinished,
  type BenchProgress,
  type BenchReading,
  type BenchRequest,
  type BenchRunSummary,
  type BenchSnapshot,
  type BenchStarted,
} from '../../../lab/lessons/08-state-has-a-price.contract';
import { describeError } from '../api';
import { busy, clock, fill, h } from '../dom';
import { shortLabel, textOn } from '../palette';
import type { Panel, PanelContext } from '../panels/panel';
import { comparisonView, runSummaryView } from './bench-results';
import { lessonEvent, lessonPath, withCommand, type LessonPanelSpec } from './lesson-panel';

const path = (p: string) => lessonPath(BENCH_LESSON, p);

function numberInput(id: string, range: { min: number; max: number }, value: number): HTMLInputElement {
  return h('input', { id, type: 'number', min: range.min, max: range.max, step: 1, value, required: true });
}

function createBenchPanel(ctx: PanelContext, body: HTMLElement): Panel {
  let snapshot: BenchSnapshot | null = null;
  let running: { started: BenchStarted; progress: BenchProgress | null } | null = null;
  /** The run whose result is shown (the reading refers to it). */
  let shown: BenchRunSummary | null = null;
  let runs: BenchRunSummary[] = [];

  const preset = h('select', { id: 'bench-preset' },
    ...BENCH_PRESETS.map((p) => h('option', { value: p.id }, p.label)),
    h('option', { value: 'custom' }, 'Any scenarios of the harness (tick them below)'));
  const scenarioBoxes = h('fieldset', { class: 'client-picker', id: 'bench-scenarios' }, h('legend', {}, 'Scenarios'));
  const runsInput = numberInput('bench-runs', BENCH_LIMITS.runs, 3);
  const duration = numberInput('bench-duration', BENCH_LIMITS.durationSeconds, 5);
  const warmup = numberInput('bench-warmup', BENCH_LIMITS.warmupSeconds, 1);
  const prediction = h('input', { id: 'bench-prediction', type: 'number', min: 0.05, max: 2, step: 0.05, placeholder: 'e.g. 0.7' });
  const run = h('button', { type: 'button', class: 'primary', id: 'bench-run', 'data-needs-token': true }, 'Run benchmark');
  const stop = h('button', { type: 'button', id: 'bench-stop', 'data-needs-token': true, disabled: true }, 'Stop');
  const runCommand = withCommand(run, '');
  const command = runCommand.querySelector('code')!;
  command.id = 'bench-command';
  const plan = h('p', { class: 'note', id: 'bench-plan' });
  /** The exact command of the run started last (its own results folder and progress ticks included). */
  const lastCommand = h('code', { class: 'command', id: 'bench-last-command' });
  const lastCommandLine = h('p', { class: 'note', hidden: true }, 'The run started from this page, exactly: ', lastCommand);
  const status = h('p', { class: 'run-status', id: 'bench-status', 'aria-live': 'polite', 'data-state': 'idle' }, 'No benchmark running.');
  const bar = h('progress', { id: 'bench-progress', max: 1, value: 0, 'aria-label': 'benchmark progress' });
  const live = h('ul', { class: 'replica-counts', id: 'bench-live', 'aria-label': 'requests/s per replica, live' });
  const result = h('div', { id: 'bench-result' });
  const reading = h('input', { id: 'bench-reading', type: 'number', min: 0, max: 10, step: 0.01, placeholder: '0.00' });
  const checkReading = h('button', { type: 'button', id: 'bench-check-reading', 'data-needs-token': true }, 'Check reading');
  const readingResult = h('p', { class: 'note', id: 'bench-reading-result', 'aria-live': 'polite' });
  const readingBox = h('div', { class: 'controls', hidden: true },
    h('label', {}, 'Your reading of the state ratio ', reading), checkReading);
  const runRows = h('tbody');
  const compareA = h('select', { id: 'bench-compare-a' });
  const compareB = h('select', { id: 'bench-compare-b' });
  const compare = h('button', { type: 'button', id: 'bench-compare' }, 'Compare');
  const compareCommand = withCommand(compare, '');
  const comparison = h('div', { id: 'bench-comparison-box', 'aria-live': 'polite' });

  fill(body,
    h('div', { class: 'controls' }, h('label', { class: 'picker' }, 'Compare ', preset)),
    scenarioBoxes,
    h('div', { class: 'controls' },
      h('label', {}, 'Runs ', runsInput),
      h('label', {}, 'Seconds each ', duration),
      h('label', {}, 'Warm-up s ', warmup),
      h('label', {}, 'Your prediction (session read ÷ stateless req/s) ', prediction)),
    h('div', { class: 'controls' }, runCommand, stop),
    plan,
    status, lastCommandLine, bar, live,
    result, readingBox, readingResult,
    h('h3', {}, 'Earlier runs'),
    h('div', { class: 'table-scroll' },
      h('table', { id: 'bench-runs-list' },
        h('caption', {}, 'bench/results/, newest first (runs from a terminal too)'),
        h('thead', {}, h('tr', {}, ...['started', 'scenarios', 'ratios (median)', 'open'].map((t) => h('th', { scope: 'col' }, t)))),
        runRows)),
    h('div', { class: 'controls' }, h('label', {}, 'A ', compareA), h('label', {}, 'B ', compareB), compareCommand),
    comparison);

  function chosen(): string[] {
    return [...scenarioBoxes.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((c) => c.value);
  }

  function request(): BenchRequest {
    const guess = prediction.valueAsNumber;
    return {
      scenarios: chosen(),
      runs: runsInput.valueAsNumber,
      durationSeconds: duration.valueAsNumber,
      warmupSeconds: warmup.valueAsNumber,
      ...(Number.isFinite(guess) ? { prediction: guess } : {}),
    };
  }

  /** The button's command: what pressing it runs (the run's own --out and --progress-json come when it starts). */
  function drawForm(): void {
    const r = request();
    command.textContent = benchCommand(snapshot?.commandPrefix ?? '', benchArgs(r));
    const seconds = plannedSeconds(r);
    plan.textContent = Number.isFinite(seconds)
      ? `${r.scenarios.length} scenario${r.scenarios.length === 1 ? '' : 's'} × ${r.runs} run${r.runs === 1 ? '' : 's'} × (${r.warmupSeconds} + ${r.durationSeconds} s) ≈ ${seconds} s of load${seconds > BENCH_LIMITS.plannedSeconds ? ` — more than the ${BENCH_LIMITS.plannedSeconds} s one benchmark may take` : ''}. The lab's own traffic pauses meanwhile.`
      : '';
    const canPost = ctx.api.canPost;
    run.disabled = !canPost || running !== null;
    stop.disabled = !canPost || running === null;
  }

  function applyPreset(): void {
    const p = BENCH_PRESETS.find((x) => x.id === preset.value);
    if (p) for (const box of scenarioBoxes.querySelectorAll<HTMLInputElement>('input[type=checkbox]')) box.checked = (p.scenarios as readonly string[]).includes(box.value);
    drawForm();
  }

  function drawScenarios(list: BenchSnapshot['scenarios']): void {
    if (scenarioBoxes.querySelector('input')) return;
    for (const s of list) {
      const box = h('input', { type: 'checkbox', name: 'bench-scenario', value: s.name });
      box.addEventListener('change', () => {
        preset.value = BENCH_PRESETS.find((p) => p.scenarios.length === chosen().length && p.scenarios.every((x) => chosen().includes(x)))?.id ?? 'custom';
        drawForm();
      });
      scenarioBoxes.append(h('label', { title: s.description }, box, ` ${s.name}`));
    }
    applyPreset();
  }

  function drawProgress(): void {
    const p = running?.progress;
    if (!running) return;
    lastCommand.textContent = running.started.command;
    lastCommand.dataset.runId = running.started.runId;
    lastCommandLine.hidden = false;
    status.dataset.state = 'running';
    status.dataset.runId = running.started.runId;
    status.textContent = p
      ? `Running ${p.scenario} (${p.phase}${p.durationSeconds ? ` ${Math.floor(p.elapsedSeconds)}/${p.durationSeconds} s` : ''}) · run ${p.run} of ${p.runs} · step ${p.step} of ${p.steps} · about ${p.secondsLeft} s left`
      : `Starting ${running.started.runId}: ${running.started.scenarios.join(', ')} (tsx and the cluster check take a few seconds)…`;
    const total = running.started.plannedSeconds || 1;
    bar.value = p ? Math.min(1, Math.max(0, 1 - p.secondsLeft / total)) : 0;
    const rps = p?.rpsPerReplica ?? {};
    const top = Math.max(1, ...Object.values(rps));
    fill(live, ...Object.entries(rps).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([replica, n]) => {
      const colour = ctx.colours.colour(replica);
      return h('li', { 'data-replica': replica, 'data-rps': n },
        h('span', { class: 'swatch', style: `background:${colour};color:${textOn(colour)}` }, shortLabel(replica)),
        ` ${replica}: ${n.toLocaleString('en-US')} req/s `,
        h('span', { class: 'rps-bar', style: `width:${Math.round((n / top) * 8)}rem;background:${colour}`, 'aria-hidden': 'true' }));
    }));
  }

  function show(summary: BenchRunSummary): void {
    shown = summary;
    fill(result, h('h3', {}, `Result of ${summary.runId}`), runSummaryView(summary, ctx.colours));
    readingBox.hidden = !summary.ratios.some((r) => r.name === 'stateful-read / stateless-info' || r.name === 'stateful-write / stateless-info');
    readingResult.textContent = '';
  }

  function drawCompareCommand(): void {
    compareCommand.querySelector('code')!.textContent = `npm run bench:compare -- bench/results/${compareA.value || '<A>'} bench/results/${compareB.value || '<B>'}`;
  }

  function drawEnd(end: BenchFinished): void {
    running = null;
    status.dataset.state = end.ok ? 'finished' : 'failed';
    status.dataset.runId = end.runId;
    status.textContent = end.ok ? `Finished ${end.runId} at ${clock(Date.now())}.` : `${end.runId} failed: ${end.error ?? 'no reason given'}`;
    bar.value = end.ok ? 1 : 0;
    fill(live);
    if (end.summary) show(end.summary);
    drawForm();
  }

  function drawRuns(): void {
    fill(runRows, ...runs.map((r) =>
      h('tr', { 'data-run-id': r.runId },
        h('th', { scope: 'row' }, r.runId),
        h('td', {}, r.scenarios.map((s) => s.name).join(', ')),
        h('td', {}, r.ratios.map((q) => `${q.name} ${q.summary.median === null ? '–' : q.summary.median.toFixed(2)}`).join('; ') || '—'),
        h('td', {},
          h('button', { type: 'button', class: 'small', 'data-show-run': r.runId, onclick: () => show(r) }, 'Show'), ' ',
          h('a', { href: r.reportUrl, target: '_blank', rel: 'noopener' }, 'report.html')))));
    for (const [select, index] of [[compareA, 1], [compareB, 0]] as const) {
      const keep = select.value;
      fill(select, ...runs.map((r) => h('option', { value: r.runId }, r.runId)));
      select.value = runs.some((r) => r.runId === keep) ? keep : (runs[index]?.runId ?? runs[0]?.runId ?? '');
    }
    compare.disabled = runs.length < 2;
    drawCompareCommand();
  }

  async function loadRuns(): Promise<void> {
    try {
      runs = (await ctx.api.get<{ runs: BenchRunSummary[] }>(path('/runs'))).runs;
      drawRuns();
    } catch (error) {
      ctx.notify(describeError(error), 'error');
    }
  }

  preset.addEventListener('change', applyPreset);
  for (const input of [runsInput, duration, warmup, prediction]) input.addEventListener('input', drawForm);
  for (const select of [compareA, compareB]) select.addEventListener('change', drawCompareCommand);

  // Not busy(): the button stays disabled after the answer, for as long as the benchmark runs.
  run.addEventListener('click', () => {
    run.disabled = true;
    run.setAttribute('aria-busy', 'true');
    ctx.api.post<BenchStarted>(path('/runs'), request())
      .then((started) => {
        if (!running) running = { started, progress: null };
        drawProgress();
        ctx.notify(`Benchmark ${started.runId} started; the lab's traffic is paused until it ends.`);
      })
      .catch((error: unknown) => ctx.notify(describeError(error), 'error'))
      .finally(() => {
        run.removeAttribute('aria-busy');
        drawForm();
      });
  });

  stop.addEventListener('click', () =>
    busy(stop, async () => {
      await ctx.api.post(path('/runs/stop'));
    }, (error) => ctx.notify(describeError(error), 'error')));

  checkReading.addEventListener('click', () =>
    busy(checkReading, async () => {
      if (!shown) return;
      const r = await ctx.api.post<BenchReading>(path('/readings'), { runId: shown.runId, value: reading.valueAsNumber });
      readingResult.dataset.close = String(r.close);
      readingResult.textContent = r.close
        ? `✓ ${r.value.toFixed(2)} — the run measured ${r.ratio} = ${r.measured.median.toFixed(2)} (${r.measured.min.toFixed(2)}–${r.measured.max.toFixed(2)}).`
        : `✕ ${r.value.toFixed(2)} is not what ${shown.runId} measured: look at the median of ${r.ratio} in the Ratios table.`;
    }, (error) => ctx.notify(describeError(error), 'error')));

  compare.addEventListener('click', () =>
    busy(compare, async () => {
      const c = await ctx.api.get<BenchComparison>(path(`/compare?a=${encodeURIComponent(compareA.value)}&b=${encodeURIComponent(compareB.value)}`));
      fill(comparison, comparisonView(c));
    }, (error) => ctx.notify(describeError(error), 'error')));

  return {
    hello(state: LabState) {
      snapshot = (state.lessons[BENCH_LESSON] as BenchSnapshot | undefined) ?? null;
      if (!snapshot) return;
      drawScenarios(snapshot.scenarios);
      running = snapshot.running;
      if (running) drawProgress();
      else if (snapshot.last) drawEnd(snapshot.last);
      drawForm();
      void loadRuns();
    },
    event(event: LabEvent) {
      const started = lessonEvent<BenchStarted>(event, BENCH_LESSON, 'started');
      if (started) {
        running = { started: started.data, progress: null };
        drawProgress();
        drawForm();
      }
      const tick = lessonEvent<BenchProgress>(event, BENCH_LESSON, 'progress');
      if (tick && running?.started.runId === tick.data.runId) {
        running.progress = tick.data;
        drawProgress();
      }
      const end = lessonEvent<BenchFinished>(event, BENCH_LESSON, 'finished');
      if (end) {
        drawEnd(end.data);
        void loadRuns();
      }
    },
  };
}

export const benchPanel: LessonPanelSpec = {
  lesson: BENCH_LESSON,
  id: 'bench',
  title: 'The benchmark',
  predict:
    'Run stateless-info against a session read: what share of the stateless requests/s will the session read keep? Watch for each replica\'s requests/s while it runs — stateless load spread over every replica, session reads pinned by ip_hash — and, at the end, the ratio with its interval.',
  create: createBenchPanel,
};
