// Every PromQL expression the repository ships — Grafana panel queries, dashboard variable
// queries and Prometheus alert expressions — as one flat list. The unit test checks them
// statically; the e2e test feeds them to a running Prometheus. Grafana cannot run on our
// machines, so this list is how we know the dashboards would show data.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// js-yaml is already installed as a dependency of Jest's coverage tooling. It ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown };

export const repoRoot = path.resolve(__dirname, '..', '..');

export interface PromQuery {
  /** Where the expression lives, e.g. `statelab-overview.json › Requests/s per replica › A`. */
  source: string;
  origin: 'panel' | 'variable' | 'alert';
  /** The expression exactly as written in the file (Grafana variables not substituted). */
  expr: string;
}

interface GrafanaTarget {
  refId?: string;
  expr?: string;
}
interface GrafanaPanel {
  title?: string;
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}
interface GrafanaVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
interface GrafanaDashboard {
  panels?: GrafanaPanel[];
  templating?: { list?: GrafanaVariable[] };
}
interface RuleFile {
  groups?: { name: string; rules?: { alert?: string; record?: string; expr?: string | number }[] }[];
}

export function parseYaml(text: string): unknown {
  return yaml.load(text);
}

export function loadYaml(file: string): unknown {
  return parseYaml(readFileSync(file, 'utf8'));
}

export function dashboardFiles(dir = path.join(repoRoot, 'grafana', 'dashboards')): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Panel queries (including panels nested in collapsed rows) and query-variable definitions. */
export function dashboardQueries(file: string): PromQuery[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as GrafanaDashboard;
  const name = path.basename(file);
  const queries: PromQuery[] = [];
  const visit = (panels: GrafanaPanel[] = []): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        queries.push({
          source: `${name} › ${panel.title ?? '(untitled)'} › ${target.refId ?? '?'}`,
          origin: 'panel',
          expr: target.expr ?? '',
        });
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    queries.push({ source: `${name} › variable $${variable.name}`, origin: 'variable', expr: query });
  }
  return queries;
}

export function alertExpressions(file = path.join(repoRoot, 'prometheus', 'alerts.yml')): PromQuery[] {
  const rules = loadYaml(file) as RuleFile;
  return (rules.groups ?? []).flatMap((group) =>
    (group.rules ?? []).map((rule) => ({
      source: `${path.basename(file)} › ${group.name} › ${rule.alert ?? rule.record ?? '?'}`,
      origin: 'alert' as const,
      expr: String(rule.expr ?? ''),
    })),
  );
}

/** Every dashboard query and every alert expression the repository ships. */
export function allQueries(): PromQuery[] {
  return [...dashboardFiles().flatMap(dashboardQueries), ...alertExpressions()];
}

/**
 * Turns a Grafana query into plain PromQL the way Grafana would before sending it:
 * `label_values(selector, label)` becomes its selector, `$__rate_interval` a fixed window,
 * multi-value variables their "All" regex.
 */
export function toPromQL(expr: string, rateInterval = '1m'): string {
  const labelValues = /^\s*label_values\((.*),\s*[a-zA-Z_]\w*\s*\)\s*$/s.exec(expr);
  const base = labelValues ? labelValues[1]! : expr;
  return base
    .replace(/\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}/g, rateInterval)
    .replace(/\$\{?[a-zA-Z_]\w*\}?/g, '.*');
}

const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless',
  'offset', 'atan2', 'inf', 'nan',
  // Aggregation operators may be followed by `by (…)` rather than directly by `(`.
  'sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile',
  'count_values', 'group', 'limitk', 'limit_ratio',
]);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** Index just past the string literal that starts at `i`. */
function skipString(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== quote) j += text[j] === '\\' && quote !== '`' ? 2 : 1;
  return j + 1;
}

/** Index just past the bracket group that opens at `i`, skipping string literals inside it. */
function skipGroup(text: string, i: number): number {
  const close: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const open = text[i]!;
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const ch = text[j]!;
    if (ch === '"' || ch === "'" || ch === '`') { j = skipString(text, j); continue; }
    if (ch === open) depth += 1;
    else if (ch === close[open] && (depth -= 1) === 0) return j + 1;
    j += 1;
  }
  return j;
}

/**
 * Instant-vector selectors (`metric{matchers}`, matchers as written) an expression reads.
 * A small scanner rather than a PromQL parser: it skips strings, range brackets and grouping
 * clauses, treats `name(` as a function call, and keeps every other identifier as a metric.
 */
export function selectors(promql: string): string[] {
  const found = new Set<string>();
  let i = 0;
  while (i < promql.length) {
    const ch = promql[i]!;
    if (ch === '"' || ch === "'" || ch === '`') { i = skipString(promql, i); continue; }
    if (ch === '[' || ch === '{') { i = skipGroup(promql, i); continue; }
    if (/\d/.test(ch) || (ch === '.' && /\d/.test(promql[i + 1] ?? ''))) {
      i += /^[\d.]+(e[+-]?\d+)?[a-z]*/i.exec(promql.slice(i))![0].length;
      continue;
    }
    const ident = /^[a-zA-Z_:][\w:]*/.exec(promql.slice(i))?.[0];
    if (!ident) { i += 1; continue; }
    let j = i + ident.length;
    while (/\s/.test(promql[j] ?? '')) j += 1;
    const lower = ident.toLowerCase();
    if (GROUPING.has(lower)) {
      i = promql[j] === '(' ? skipGroup(promql, j) : j;
    } else if (KEYWORDS.has(lower) || promql[j] === '(') {
      i = i + ident.length;
    } else if (promql[j] === '{') {
      const end = skipGroup(promql, j);
      found.add(ident + promql.slice(j, end));
      i = end;
    } else {
      found.add(ident);
      i = i + ident.length;
    }
  }
  return [...found].sort();
}

/** Metric names a PromQL expression reads (function names, keywords and numbers excluded). */
export function metricNames(promql: string): string[] {
  return [...new Set(selectors(promql).map((selector) => selector.replace(/\{.*$/s, '')))].sort();
}

/** Cheap structural check: brackets balance and nest, outside string literals. */
export function bracketsBalanced(promql: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const code = promql.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  for (const ch of code) {
    if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0;
}
