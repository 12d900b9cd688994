// Fifteen lessons on one page: choosing a worksheet brings the panels it uses forward, in its order,
// and puts the others away behind one row of buttons, so a student sees only what the lesson needs
// and can still open any other panel (keyboard included: they are plain buttons).
import type { PanelId } from '../../lab/lab-types';
import { byId, fill, h } from './dom';

export class PanelLayout {
  private readonly main = byId('panels');
  private readonly shelf = h('nav', { class: 'panel-shelf', 'aria-label': 'Other panels' });
  private readonly opened = new Set<string>();
  private views: PanelId[] = [];
  /** Every panel at once (an instructor showing the whole cluster): kept across worksheets. */
  private everything = false;

  constructor() {
    this.main.prepend(this.shelf);
  }

  private panels(): HTMLElement[] {
    return [...this.main.querySelectorAll<HTMLElement>(':scope > section.panel')];
  }

  /** Shows the worksheet's panels (first one highlighted), hides the rest behind the shelf. */
  focusOn(views: readonly PanelId[], scroll: boolean): void {
    this.views = [...views];
    this.opened.clear();
    this.draw();
    const first = views[0] && document.getElementById(`panel-${views[0]}`);
    if (scroll && first) first.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  private draw(): void {
    const away: HTMLElement[] = [];
    for (const panel of this.panels()) {
      const id = panel.id.replace(/^panel-/, '') as PanelId;
      const index = this.views.indexOf(id);
      const shown = this.everything || index >= 0 || this.opened.has(id);
      panel.hidden = !shown;
      panel.style.order = String(index >= 0 ? index : this.views.length + 1);
      panel.classList.toggle('highlight', index === 0);
      panel.dataset.inLesson = String(index >= 0);
      if (index < 0) away.push(panel);
    }
    const all = h('button', { type: 'button', 'aria-pressed': String(this.everything), 'data-panel-toggle': 'all' }, this.everything ? 'Only this worksheet\'s panels' : 'Show every panel');
    all.addEventListener('click', () => {
      this.everything = !this.everything;
      this.draw();
      this.shelf.querySelector<HTMLButtonElement>('[data-panel-toggle="all"]')?.focus();
    });
    const toggles = this.everything ? [] : away.map((panel) => this.toggle(panel));
    fill(this.shelf, toggles.length ? h('span', {}, 'Other panels: ') : null, ...toggles, all);
  }

  private toggle(panel: HTMLElement): HTMLButtonElement {
    const id = panel.id.replace(/^panel-/, '');
    const title = panel.querySelector('h2')?.textContent ?? id;
    const open = this.opened.has(id);
    const button = h('button', { type: 'button', 'aria-expanded': String(open), 'aria-controls': panel.id, 'data-panel-toggle': id }, `${open ? 'Hide' : 'Show'} ${title}`);
    button.addEventListener('click', () => {
      if (this.opened.has(id)) this.opened.delete(id);
      else this.opened.add(id);
      this.draw();
      this.shelf.querySelector<HTMLButtonElement>(`[data-panel-toggle="${CSS.escape(id)}"]`)?.focus();
      if (this.opened.has(id)) panel.scrollIntoView({ behavior: 'smooth', block: 'start' });
    });
    return button;
  }
}
