// The one error catalogue (src/errors/error-catalogue.json) is what the replicas answer
// (src/errors/app-error.ts imports it) and what nginx answers itself (scripts/lib/render-config.mjs
// renders nginx's error pages from it). Checked here: docs/api.md's error tables name exactly its
// codes with their statuses, and the nginx config of every mode answers exactly its JSON.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import catalogue from '../../src/errors/error-catalogue.json';
import { repoRoot } from '../support/dashboard-queries';
import { findAll, parseNginxConf, type Directive } from '../support/nginx-conf';

interface Page {
  code: string;
  message?: string;
  headers?: Record<string, string>;
}

const codes: Record<string, { status: number; message: string }> = catalogue.codes;
const nginxStatuses: Record<string, Page> = catalogue.nginx.statuses;
const nginxPages: Record<string, Page> = catalogue.nginx.pages;
const MODES = ['native', 'compose', 'swarm', 'kubernetes'] as const;

interface DocRow {
  table: string;
  code: string;
  status: number;
}

/** The rows of every `| code | status | when … |` table in docs/api.md, named by the heading above it. */
function docErrorRows(): DocRow[] {
  const rows: DocRow[] = [];
  let heading = '';
  let inTable = false;
  for (const line of readFileSync(path.join(repoRoot, 'docs/api.md'), 'utf8').split('\n')) {
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '');
    if (/^\| code \| status \| when/.test(line)) {
      inTable = true;
    } else if (!line.startsWith('|')) {
      inTable = false;
    } else if (inTable && !line.startsWith('|---')) {
      const [, code, status] = line.split('|').map((cell) => cell.trim());
      rows.push({ table: heading, code: code!.replace(/`/g, ''), status: Number(status) });
    }
  }
  return rows;
}

/** What a location block answers: the status, JSON body and headers of its one `return`. */
function answer(block: Directive[]): { status: number; body: unknown; headers: Record<string, string>; type?: string } {
  const returns = block.filter((d) => d.name === 'return');
  expect(returns).toHaveLength(1);
  const [status, text] = returns[0]!.args;
  return {
    status: Number(status),
    body: JSON.parse(text!),
    headers: Object.fromEntries(block.filter((d) => d.name === 'add_header').map((d) => [d.args[0]!, d.args.slice(1).join(' ')])),
    type: block.find((d) => d.name === 'default_type')?.args[0],
  };
}

/** The answer the catalogue prescribes for `page`. */
function expected(page: Page): ReturnType<typeof answer> {
  const entry = codes[page.code];
  if (!entry) throw new Error(`${page.code} is used by an nginx page but is not in the catalogue's codes`);
  return {
    status: entry.status,
    body: { error: { code: page.code, message: page.message ?? entry.message } },
    headers: expect.objectContaining(Object.fromEntries(Object.entries(page.headers ?? {}).map(([name, value]) => [name, `${value} always`]))),
    type: 'application/json',
  };
}

describe('the error catalogue in docs/api.md', () => {
  const rows = docErrorRows();

  it('when the docs are read, then every catalogue code stands in an error table', () => {
    const documented = new Set(rows.map((r) => r.code));
    expect(Object.keys(codes).filter((code) => !documented.has(code))).toEqual([]);
  });

  it('when the docs are read, then every code in an error table is in the catalogue with the same status', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect({ ...row, status: codes[row.code]?.status }).toEqual(row);
  });

  it("when the docs are read, then the table of nginx's own errors lists exactly the codes nginx answers", () => {
    const nginxCodes = new Set([...Object.values(nginxStatuses), ...Object.values(nginxPages)].map((p) => p.code));
    const table = rows.filter((r) => r.table === 'Errors nginx answers itself').map((r) => r.code);
    expect(table.sort()).toEqual([...nginxCodes].sort());
  });
});

describe.each(MODES)('the %s nginx config rendered from the catalogue', (mode) => {
  let server: Directive[];
  let all: Directive[];

  beforeAll(() => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'statelab-errors-'));
    try {
      execFileSync(process.execPath, ['scripts/render-config.mjs', mode, dir], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, CLUSTER_DIR: dir },
        stdio: 'pipe',
      });
      all = parseNginxConf(readFileSync(path.join(dir, 'nginx.conf'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The public server is the one with error pages; the other is stub_status.
    const servers = findAll(all, 'server').filter((s) => s.block?.some((d) => d.name === 'error_page'));
    expect(servers).toHaveLength(1);
    server = servers[0]!.block!;
  });

  const location = (...args: string[]): Directive[] => {
    const found = server.filter((d) => d.name === 'location' && JSON.stringify(d.args) === JSON.stringify(args));
    expect(found).toHaveLength(1);
    return found[0]!.block!;
  };

  it('when nginx produces an error itself, then each status goes to an internal location answering its catalogue JSON', () => {
    const pages = server.filter((d) => d.name === 'error_page');
    const targets = Object.fromEntries(pages.flatMap((d) => d.args.slice(0, -2).map((status) => [status, d.args.at(-1)!])));
    expect(Object.keys(targets).sort()).toEqual(Object.keys(nginxStatuses).sort());
    for (const d of pages) expect(d.args.at(-2)).toBe('=');
    for (const [status, page] of Object.entries(nginxStatuses)) {
      const block = location('=', targets[status]!);
      expect(block.some((d) => d.name === 'internal')).toBe(true);
      expect({ for: status, ...answer(block) }).toEqual({ for: status, ...expected(page) });
    }
  });

  it('when /metrics is asked for, then nginx answers the catalogue page for it', () => {
    expect(answer(location('=', '/metrics'))).toEqual(expected(nginxPages.metrics!));
  });

  it('when the lab controller cannot answer, then nginx answers the catalogue page for this mode', () => {
    if (mode === 'native') {
      expect(answer(location('@lab_unavailable'))).toEqual(expected(nginxPages['lab-not-running']!));
    } else {
      expect(answer(location('/lab/api/'))).toEqual(expected(nginxPages['lab-not-in-containers']!));
    }
  });

  it('when any location returns a JSON error, then it is a catalogue code with its status and a catalogue message', () => {
    const errors = findAll(all, 'return').filter((d) => d.args[1]?.startsWith('{'));
    expect(errors.length).toBeGreaterThan(Object.keys(nginxStatuses).length);
    for (const d of errors) {
      const { error } = JSON.parse(d.args[1]!) as { error: { code: string; message: string } };
      const messages = [codes[error.code]?.message, ...Object.values(nginxPages).filter((p) => p.code === error.code).map((p) => p.message)];
      expect({ status: Number(d.args[0]), error, known: messages.includes(error.message) }).toEqual({ status: codes[error.code]?.status, error, known: true });
    }
  });
});
