// Number formatting shared by the Markdown and HTML reports and the compare command.

export function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Latency: one decimal below 100 ms, none above. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return fmt(value, value < 100 ? 1 : 0);
}

export function range(min: number | null, max: number | null, digits = 0): string {
  return `${fmt(min, digits)}–${fmt(max, digits)}`;
}

export function percent(fraction: number | null | undefined, digits = 0): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)} %`;
}

/**
 * A ratio against its target, as "goal ≥ 0.75: 0.64 ✘ (−15 %)" — the goal first, then what was
 * measured, so the line cannot be read as the opposite of the goal. Undefined without a target.
 */
export function goalVerdict(median: number | null, target: number | null): { text: string; met: boolean } | undefined {
  if (target === null || median === null) return undefined;
  const met = median >= target;
  return { met, text: `goal ≥ ${target}: ${fmt(median, 2)} ${met ? '✔' : `✘ (${percent(median / target - 1)})`}` };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Markdown table cell: pipes would split the cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** Replica ids sorted naturally (app-2 before app-10). */
export function sortedReplicas(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
