import { part } from './lessons/check-kit';
import { LESSONS } from './lessons';
import type { Check, CheckInput } from './lessons/lesson';
import type { LabCheckReport } from './lab-types';
import { WORKSHEETS } from './worksheets';

export type { CheckInput } from './lessons/lesson';

/** Every lesson's checks, by the name its worksheet steps give. */
export const CHECKS: Record<string, Check> = Object.assign({}, ...LESSONS.map((l) => l.checks));

/** Runs every step's check of one worksheet. Read-only and idempotent: it only reads `input`. */
export function checkLab(id: number, input: CheckInput): LabCheckReport | undefined {
  const sheet = WORKSHEETS.find((w) => w.id === id);
  if (!sheet) return undefined;
  const started = Date.now();
  const steps = sheet.steps.map((step) => {
    const parts = CHECKS[step.check]?.(input) ?? [part('check exists', false, `no check named ${step.check}`)];
    return { step: step.id, title: step.title, passed: parts.every((p) => p.passed), parts };
  });
  return { lab: sheet.id, title: sheet.title, passed: steps.every((s) => s.passed), steps, checkedAt: Date.now(), durationMs: Date.now() - started };
}
