// A student's progress through the worksheets, kept in localStorage so it survives a reload:
// each step's result at the last check, how many hints were revealed, which solutions were
// opened. Pure apart from the storage it is given, so the unit tests use a Map.
import type { LabCheckReport } from '../../lab/lab-types';

export interface WorksheetProgress {
  /** Step id → passed at the last check. */
  checked: Record<string, boolean>;
  /** Step id → hints revealed so far. */
  hints: Record<string, number>;
  /** Step ids whose solution the student chose to see. */
  solutions: string[];
}

/** The part of the Web Storage API used (localStorage in the page, a Map in the unit tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const PREFIX = 'statelab.worksheet.';
const CURRENT = `${PREFIX}current`;

function empty(): WorksheetProgress {
  return { checked: {}, hints: {}, solutions: [] };
}

export class ProgressStore {
  constructor(private readonly storage: KeyValueStore) {}

  load(slug: string): WorksheetProgress {
    try {
      const saved = JSON.parse(this.storage.getItem(PREFIX + slug) ?? 'null') as Partial<WorksheetProgress> | null;
      return { ...empty(), ...saved };
    } catch {
      return empty(); // a hand-edited or foreign value: start over rather than break the page
    }
  }

  private update(slug: string, change: (p: WorksheetProgress) => void): WorksheetProgress {
    const progress = this.load(slug);
    change(progress);
    this.storage.setItem(PREFIX + slug, JSON.stringify(progress));
    return progress;
  }

  recordCheck(slug: string, report: LabCheckReport): WorksheetProgress {
    return this.update(slug, (p) => {
      for (const step of report.steps) p.checked[step.step] = step.passed;
    });
  }

  /** Reveals one more hint of a step (never more than it has); returns how many are revealed. */
  revealHint(slug: string, stepId: string, available: number): number {
    return this.update(slug, (p) => {
      p.hints[stepId] = Math.min((p.hints[stepId] ?? 0) + 1, available);
    }).hints[stepId]!;
  }

  revealSolution(slug: string, stepId: string): void {
    this.update(slug, (p) => {
      if (!p.solutions.includes(stepId)) p.solutions.push(stepId);
    });
  }

  reset(slug: string): void {
    this.storage.removeItem(PREFIX + slug);
  }

  /** The worksheet the student had open last. */
  current(): number | null {
    const id = Number(this.storage.getItem(CURRENT));
    return Number.isInteger(id) && id > 0 ? id : null;
  }

  setCurrent(id: number): void {
    this.storage.setItem(CURRENT, String(id));
  }
}
