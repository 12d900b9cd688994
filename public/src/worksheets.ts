// Guided labs: the chosen worksheet beside the panels, its steps, a Check that asks the
// controller what it saw, hints one at a time, the solution behind a confirmation.
import type { LabCheckReport, StepCheckResult, Worksheet, WorksheetStep } from '../../lab/lab-types';
import { describeError, type LabApi } from './api';
import { busy, byId, clock, fill, h } from './dom';
import { markdownishToHtml } from './markdownish';
import type { PanelLayout } from './panel-layout';
import { ProgressStore } from './worksheet-progress';

/** Markdown-ish text as elements; markdownishToHtml escapes every character of the source. */
function prose(text: string, className = 'prose'): HTMLDivElement {
  const div = h('div', { class: className });
  div.innerHTML = markdownishToHtml(text);
  return div;
}

export class WorksheetView {
  private worksheets: Worksheet[] = [];
  private readonly progress = new ProgressStore(localStorage);
  private readonly head = byId('worksheet-head');
  private readonly steps = byId('worksheet-steps');
  private readonly picker = h('select', { id: 'worksheet-picker' });
  private readonly results = new Map<string, StepCheckResult>();
  private lastReport: LabCheckReport | null = null;
  /** Outside the redrawn part, so screen readers announce its changes. */
  private readonly announcer = byId('worksheet-result');

  constructor(
    private readonly api: LabApi,
    private readonly notify: (message: string, kind?: 'info' | 'error') => void,
    private readonly layout: PanelLayout,
  ) {
    this.picker.addEventListener('change', () => this.choose(Number(this.picker.value), true));
  }

  /** Loads the worksheets once (again after a failure). */
  async load(): Promise<void> {
    if (this.worksheets.length) return;
    try {
      this.worksheets = (await this.api.get<{ worksheets: Worksheet[] }>('/labs')).worksheets;
    } catch (error) {
      fill(this.head, h('p', { class: 'error' }, `The worksheets could not be loaded: ${describeError(error)}`));
      return;
    }
    fill(this.picker, ...this.worksheets.map((w) => h('option', { value: w.id }, `${w.id}. ${w.title}`)));
    const saved = this.progress.current();
    this.choose(this.worksheets.some((w) => w.id === saved) ? saved! : this.worksheets[0]!.id, false);
  }

  private get current(): Worksheet | undefined {
    return this.worksheets.find((w) => String(w.id) === this.picker.value);
  }

  private choose(id: number, byStudent: boolean): void {
    this.picker.value = String(id);
    this.progress.setCurrent(id);
    this.results.clear();
    this.lastReport = null;
    const sheet = this.current;
    if (!sheet) return;
    this.layout.focusOn(sheet.views, byStudent);
    this.draw();
  }

  private draw(): void {
    const sheet = this.current;
    if (!sheet) return;
    const saved = this.progress.load(sheet.slug);
    const check = h('button', { type: 'button', class: 'primary', id: 'worksheet-check' }, 'Check my work');
    const reset = h('button', { type: 'button' }, 'Reset my progress');
    const forget = h('button', { type: 'button', 'data-needs-token': true, disabled: !this.api.canPost }, 'Forget the controller\'s history');
    check.addEventListener('click', () => busy(check, () => this.check(sheet), (e) => this.notify(describeError(e), 'error')));
    reset.addEventListener('click', () => {
      this.progress.reset(sheet.slug);
      this.results.clear();
      this.lastReport = null;
      this.draw();
    });
    forget.addEventListener('click', () => {
      if (!window.confirm('Forget every request, session and race the controller recorded? Every check fails again until you redo the steps.')) return;
      busy(forget, async () => {
        await this.api.post('/reset');
        this.notify('The controller forgot its history: redo the steps, then check again.');
      }, (e) => this.notify(describeError(e), 'error'));
    });
    const passed = sheet.steps.filter((s) => saved.checked[s.id]).length;
    const report = this.lastReport;
    this.announcer.textContent = report
      ? `Checked at ${clock(report.checkedAt)} in ${(report.durationMs / 1000).toFixed(1)} s: ${report.passed ? 'every step passes ✓' : `${report.steps.filter((s) => s.passed).length} of ${report.steps.length} steps pass`}.`
      : `${passed} of ${sheet.steps.length} steps passed at your last check.`;
    fill(
      this.head,
      h('label', { class: 'picker' }, 'Worksheet ', this.picker),
      prose(sheet.summary, 'prose summary'),
      h('p', { class: 'note' }, 'Panels: ', ...sheet.views.flatMap((view, i) => [i ? ', ' : '', h('a', { href: `#panel-${view}` }, view)]), ' · background: ', h('code', {}, sheet.doc)),
      h('div', { class: 'controls' }, check, reset, forget),
    );
    fill(this.steps, ...sheet.steps.map((step) => this.stepItem(sheet, step)));
  }

  private stepItem(sheet: Worksheet, step: WorksheetStep): HTMLLIElement {
    const saved = this.progress.load(sheet.slug);
    const result = this.results.get(step.id);
    const passed = result?.passed ?? saved.checked[step.id];
    const badge = passed === undefined ? '' : passed ? '✓ passed' : '✕ not yet';
    const shownHints = Math.min(saved.hints[step.id] ?? 0, step.hints.length);
    const hint = h('button', { type: 'button', 'data-role': 'hint', disabled: shownHints >= step.hints.length },
      shownHints >= step.hints.length ? 'No more hints' : `Show a hint (${step.hints.length - shownHints} left)`);
    hint.addEventListener('click', () => {
      this.progress.revealHint(sheet.slug, step.id, step.hints.length);
      this.draw();
      this.refocus(step.id, 'hint');
    });
    const solutionShown = saved.solutions.includes(step.id);
    const solution = h('button', { type: 'button', hidden: solutionShown }, 'Show the solution');
    solution.addEventListener('click', () => {
      if (!window.confirm('See the solution? Try a hint first: the lab sticks better when you find it yourself.')) return;
      this.progress.revealSolution(sheet.slug, step.id);
      this.draw();
      this.refocus(step.id, 'hint');
    });
    return h('li', { class: `step ${passed === undefined ? '' : passed ? 'pass' : 'fail'}`, 'data-step': step.id, 'data-passed': passed === undefined ? '' : String(passed) },
      h('h3', {}, step.title, badge ? h('span', { class: 'badge' }, ` ${badge}`) : null),
      prose(step.text),
      result ? h('ul', { class: 'parts', 'aria-label': `check results for ${step.title}` }, ...result.parts.map((part) =>
        h('li', { class: part.passed ? 'pass' : 'fail', 'data-part': part.name, 'data-passed': String(part.passed) },
          h('strong', {}, `${part.passed ? '✓ pass' : '✕ fail'} — ${part.name}: `), part.detail))) : null,
      shownHints ? h('ol', { class: 'hints' }, ...step.hints.slice(0, shownHints).map((text) => h('li', {}, prose(text)))) : null,
      solutionShown ? h('div', { class: 'solution' }, h('strong', {}, 'Solution'), prose(step.solution)) : null,
      h('div', { class: 'controls' }, hint, solution));
  }

  private async check(sheet: Worksheet): Promise<void> {
    this.announcer.textContent = 'Checking… (the controller looks at what it recorded; up to a minute)';
    const report = await this.api.get<LabCheckReport>(`/labs/${sheet.id}/check`);
    this.progress.recordCheck(sheet.slug, report);
    this.results.clear();
    for (const step of report.steps) this.results.set(step.step, step);
    this.lastReport = report;
    if (this.current?.id !== sheet.id) return;
    this.draw();
    byId('worksheet-check').focus();
  }

  /** A redraw replaces the buttons; put the keyboard focus back where the student was. */
  private refocus(stepId: string, role: string): void {
    this.steps.querySelector<HTMLElement>(`[data-step="${CSS.escape(stepId)}"] [data-role="${role}"]`)?.focus();
  }
}
