// `npm run bench -- --progress-json`: the progress as one JSON line per tick on stderr, instead of
// the human line, for a program that runs the bench and shows its progress (the lab page's bench
// panel). This module is that format's one definition: the writer below, and the schema a reader
// parses each line with. A reader depends on this and on results.json (results-schema.ts), never
// on the runner's internals.
import { z } from 'zod';
import type { Progress } from './runner';

export const progressLineSchema = z.object({
  type: z.literal('progress'),
  /** Run k of `runs`: every scenario runs once per run. */
  run: z.number().int().min(1),
  runs: z.number().int().min(1),
  /** Step k of `steps` = scenarios × runs. */
  step: z.number().int().min(1),
  steps: z.number().int().min(1),
  scenario: z.string(),
  phase: z.enum(['sessions', 'warm-up', 'measure', 'counter check']),
  /** Seconds into this phase's load, and how long it lasts (0 outside warm-up and measure). */
  elapsedSeconds: z.number().min(0),
  durationSeconds: z.number().min(0),
  /** Responses so far in this phase, in total and per X-Instance-Id. */
  responses: z.number().int().min(0),
  perReplica: z.record(z.string(), z.number().int().min(0)),
});

export type ProgressLine = z.infer<typeof progressLineSchema>;

export function progressLine(p: Progress): string {
  const line: ProgressLine = { type: 'progress', ...p };
  return `${JSON.stringify(line)}\n`;
}

/** One stderr line as progress, or undefined when it is anything else (a warning, an error). */
export function parseProgressLine(text: string): ProgressLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed = progressLineSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
