import { LESSONS } from './lessons';
import type { Worksheet } from './lab-types';

/**
 * The guided labs: one worksheet per lesson of docs/labs.md, shaped like self-checking lab
 * platforms' steps (text, a check, hints revealed one at a time, a solution behind a confirm).
 * Each lives with its checks in lab/lessons/; the checks run from the page and from
 * `npm run lab -- check <n>` alike. Text is the small markdown subset the page renders.
 */
export const WORKSHEETS: Worksheet[] = LESSONS.map((l) => l.worksheet);

export function worksheet(id: number): Worksheet | undefined {
  return WORKSHEETS.find((w) => w.id === id);
}
