// Writes results.json (validated against the schema first), report.md and report.html.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseResults, type Results } from '../results-schema';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';

export interface WrittenReport {
  dir: string;
  json: string;
  markdown: string;
  html: string;
}

/** `2026-11-23T09-47-10Z`: sortable and safe in every file system. */
export function timestampDirName(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export function writeReport(results: Results, dir: string): WrittenReport {
  // Round-trip through JSON first: NaN becomes null exactly as a reader will see it.
  const json = JSON.stringify(results, null, 2);
  const validated = parseResults(JSON.parse(json));
  mkdirSync(dir, { recursive: true });
  const files = {
    dir,
    json: path.join(dir, 'results.json'),
    markdown: path.join(dir, 'report.md'),
    html: path.join(dir, 'report.html'),
  };
  writeFileSync(files.json, `${json}\n`);
  writeFileSync(files.markdown, renderMarkdown(validated));
  writeFileSync(files.html, renderHtml(validated));
  return files;
}
