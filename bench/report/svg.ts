// Minimal inline-SVG charts: horizontal bars with optional whiskers, grouped bars, 100 % stacked
// bars and ratio bars on a log axis. No library and no network, so report.html opens anywhere, offline.
import { escapeHtml, fmt } from './format';

export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

const WIDTH = 960;
const LABEL = 210;
const VALUE_LABEL = 90;
const ROW = 26;
const PLOT = WIDTH - LABEL - VALUE_LABEL - 20;

export interface BarRow {
  label: string;
  value: number | null;
  /** Whisker, e.g. a 95 % confidence interval. */
  low?: number | null;
  high?: number | null;
  /** Dots at the extremes of the runs. */
  min?: number | null;
  max?: number | null;
  color?: string;
}

const x = (value: number, scale: number): number => LABEL + (Math.max(0, value) / scale) * PLOT;

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function axis(height: number, scale: number, unit: string): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * scale);
  const digits = scale < 10 ? 2 : 0;
  return ticks
    .map((t) => {
      const px = x(t, scale).toFixed(1);
      return `<line x1="${px}" x2="${px}" y1="0" y2="${height}" stroke="#ddd"/>` +
        `<text x="${px}" y="${height + 14}" font-size="11" text-anchor="middle" fill="#555">${fmt(t, digits)}${t === scale ? ` ${escapeHtml(unit)}` : ''}</text>`;
    })
    .join('');
}

function svg(height: number, body: string, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${WIDTH} ${height + 22}" width="100%" font-family="system-ui, sans-serif">${body}</svg>`;
}

function label(y: number, text: string): string {
  return `<text x="${LABEL - 8}" y="${y + ROW / 2 + 4}" font-size="12" text-anchor="end">${escapeHtml(text)}</text>`;
}

/** One bar per row; whiskers (low–high) and min/max dots when given. */
export function barChart(rows: BarRow[], unit: string, title: string, digits = 0): string {
  const top = Math.max(...rows.flatMap((r) => [r.value ?? 0, r.high ?? 0, r.max ?? 0]));
  const scale = niceMax(top);
  const height = rows.length * ROW;
  const parts = rows.map((r, i) => {
    const y = i * ROW;
    const mid = y + ROW / 2;
    const v = r.value ?? 0;
    let s = label(y, r.label);
    s += `<rect x="${LABEL}" y="${y + 4}" width="${(x(v, scale) - LABEL).toFixed(1)}" height="${ROW - 8}" fill="${r.color ?? PALETTE[0]}"><title>${escapeHtml(`${r.label}: ${fmt(r.value, digits)} ${unit}`)}</title></rect>`;
    if (r.low !== undefined && r.high !== undefined && r.low !== null && r.high !== null) {
      const [a, b] = [x(r.low, scale).toFixed(1), x(r.high, scale).toFixed(1)];
      s += `<line x1="${a}" x2="${b}" y1="${mid}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`;
      s += `<line x1="${a}" x2="${a}" y1="${mid - 6}" y2="${mid + 6}" stroke="#222" stroke-width="1.5"/><line x1="${b}" x2="${b}" y1="${mid - 6}" y2="${mid + 6}" stroke="#222" stroke-width="1.5"/>`;
    }
    for (const extreme of [r.min, r.max]) {
      if (extreme !== undefined && extreme !== null) s += `<circle cx="${x(extreme, scale).toFixed(1)}" cy="${mid}" r="2.5" fill="#fff" stroke="#222"/>`;
    }
    s += `<text x="${WIDTH - VALUE_LABEL}" y="${mid + 4}" font-size="12">${fmt(r.value, digits)}</text>`;
    return s;
  });
  return svg(height, axis(height, scale, unit) + parts.join(''), title);
}

export interface GroupRow {
  label: string;
  values: { key: string; value: number | null }[];
}

/** Several thin bars per row (e.g. p50 / p95 / p99), one colour per key, with a legend. */
export function groupedChart(rows: GroupRow[], unit: string, title: string): string {
  const keys = rows[0]?.values.map((v) => v.key) ?? [];
  const scale = niceMax(Math.max(...rows.flatMap((r) => r.values.map((v) => v.value ?? 0))));
  const rowHeight = Math.max(ROW, keys.length * 9 + 8);
  const height = rows.length * rowHeight + 20;
  const legend = keys
    .map((k, i) => `<rect x="${LABEL + i * 90}" y="2" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${LABEL + i * 90 + 16}" y="12" font-size="12">${escapeHtml(k)}</text>`)
    .join('');
  const parts = rows.map((r, i) => {
    const y = 20 + i * rowHeight;
    let s = `<text x="${LABEL - 8}" y="${y + rowHeight / 2 + 4}" font-size="12" text-anchor="end">${escapeHtml(r.label)}</text>`;
    r.values.forEach((v, j) => {
      const by = y + 4 + j * 9;
      const w = (x(v.value ?? 0, scale) - LABEL).toFixed(1);
      s += `<rect x="${LABEL}" y="${by}" width="${w}" height="8" fill="${PALETTE[j % PALETTE.length]}"><title>${escapeHtml(`${r.label} ${v.key}: ${fmt(v.value, 1)} ${unit}`)}</title></rect>`;
      s += `<text x="${(x(v.value ?? 0, scale) + 4).toFixed(1)}" y="${by + 8}" font-size="9" fill="#333">${fmt(v.value, 1)}</text>`;
    });
    return s;
  });
  return svg(height, `<g transform="translate(0,0)">${legend}</g><g transform="translate(0,0)">${axis(height, scale, unit)}</g>${parts.join('')}`, title);
}

export interface StackRow {
  label: string;
  parts: { key: string; value: number }[];
}

/** 100 % stacked bars: the share of each key (e.g. replica) in each row. */
export function stackedShareChart(rows: StackRow[], keys: string[], title: string, marker?: number): string {
  const height = rows.length * ROW + 20;
  const color = (key: string): string => PALETTE[keys.indexOf(key) % PALETTE.length]!;
  const legend = keys
    .map((k, i) => `<rect x="${LABEL + i * 110}" y="2" width="12" height="12" fill="${color(k)}"/><text x="${LABEL + i * 110 + 16}" y="12" font-size="12">${escapeHtml(k)}</text>`)
    .join('');
  const body = rows.map((r, i) => {
    const y = 20 + i * ROW;
    const total = r.parts.reduce((a, p) => a + p.value, 0) || 1;
    let offset = 0;
    let s = label(y, r.label);
    for (const p of r.parts) {
      const w = (p.value / total) * PLOT;
      s += `<rect x="${(LABEL + offset).toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${color(p.key)}"><title>${escapeHtml(`${r.label} ${p.key}: ${fmt(p.value)} (${((p.value / total) * 100).toFixed(1)} %)`)}</title></rect>`;
      if (w > 34) s += `<text x="${(LABEL + offset + w / 2).toFixed(1)}" y="${y + ROW / 2 + 4}" font-size="10" fill="#fff" text-anchor="middle">${Math.round((p.value / total) * 100)} %</text>`;
      offset += w;
    }
    return s;
  });
  const guide = marker === undefined ? '' : `<line x1="${(LABEL + marker * PLOT).toFixed(1)}" x2="${(LABEL + marker * PLOT).toFixed(1)}" y1="18" y2="${height}" stroke="#c00" stroke-dasharray="4 3"/><text x="${(LABEL + marker * PLOT).toFixed(1)}" y="${height + 14}" font-size="11" fill="#c00" text-anchor="middle">${Math.round(marker * 100)} %</text>`;
  return svg(height, legend + body.join('') + guide, title);
}

export interface RatioRow {
  label: string;
  value: number | null;
  min?: number | null;
  max?: number | null;
  /** Drawn as a marker on the row: the ratio should reach it. */
  target?: number | null;
  color?: string;
}

/** The 1-2-5 steps (…, 0.1, 0.2, 0.5, 1, 2, 5, 10, …) from the one at or below `lo` to the one at or above `hi`. */
export function logTicks(lo: number, hi: number): number[] {
  const steps: number[] = [];
  for (let decade = Math.floor(Math.log10(lo)) - 1; decade <= Math.ceil(Math.log10(hi)); decade++) {
    // toPrecision: 2 × 10^-1 is 0.2, not 0.20000000000000004.
    for (const m of [1, 2, 5]) steps.push(Number((m * 10 ** decade).toPrecision(1)));
  }
  const first = steps.filter((t) => t <= lo).at(-1) ?? steps[0]!;
  const last = steps.find((t) => t >= hi) ?? steps.at(-1)!;
  return steps.filter((t) => t >= first && t <= last);
}

/**
 * Ratios as bars from 1 (no difference) on a log axis: a ratio of 0.5 and one of 2 are equally
 * long, so 0.17, 0.78 and 30 are all readable on one chart — on a linear axis shared with 30×,
 * everything below 1 is a sliver. Each row's target is a red mark.
 */
export function ratioChart(rows: RatioRow[], title: string): string {
  const positive = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  const values = [1, ...rows.flatMap((r) => [r.value, r.min, r.max, r.target]).filter(positive)];
  // A little room past the extremes, so no bar ends exactly on the frame.
  const ticks = logTicks(Math.min(...values) / 1.1, Math.max(...values) * 1.1);
  const [lo, hi] = [Math.log(ticks[0]!), Math.log(ticks.at(-1)!)];
  const px = (v: number): number => LABEL + ((Math.log(v) - lo) / (hi - lo)) * PLOT;
  const height = rows.length * ROW;
  const grid = ticks
    .map((t) => {
      const at = px(t).toFixed(1);
      return `<line x1="${at}" x2="${at}" y1="0" y2="${height}" stroke="${t === 1 ? '#888' : '#ddd'}"/>` +
        `<text x="${at}" y="${height + 14}" font-size="11" text-anchor="middle" fill="#555">${fmt(t, t < 1 ? String(t).length - 2 : 0)}×</text>`;
    })
    .join('');
  const one = px(1);
  const parts = rows.map((r, i) => {
    const y = i * ROW;
    const mid = y + ROW / 2;
    let s = label(y, r.label);
    if (positive(r.value)) {
      const end = px(r.value);
      s += `<rect x="${Math.min(one, end).toFixed(1)}" y="${y + 4}" width="${Math.abs(end - one).toFixed(1)}" height="${ROW - 8}" fill="${r.color ?? PALETTE[0]}"><title>${escapeHtml(`${r.label}: ${fmt(r.value, 2)}×`)}</title></rect>`;
    }
    for (const extreme of [r.min, r.max]) {
      if (positive(extreme)) s += `<circle cx="${px(extreme).toFixed(1)}" cy="${mid}" r="2.5" fill="#fff" stroke="#222"/>`;
    }
    if (positive(r.target)) {
      const at = px(r.target).toFixed(1);
      s += `<line x1="${at}" x2="${at}" y1="${y + 1}" y2="${y + ROW - 1}" stroke="#c00" stroke-width="2"><title>${escapeHtml(`goal ≥ ${r.target}`)}</title></line>`;
    }
    s += `<text x="${WIDTH - VALUE_LABEL}" y="${mid + 4}" font-size="12">${fmt(r.value, 2)}×</text>`;
    return s;
  });
  return svg(height, grid + parts.join(''), title);
}
