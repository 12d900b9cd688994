// The launcher's private PostgreSQL (scripts/lib/private-services.mjs), started for real: it
// asks for its superuser's password, and when it runs as root and its `postgres` user cannot
// reach the cluster folder, its data lives in a fresh private temp folder — not one whose name
// any local user can predict and create first.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { findFreePort as freePort } from '../../scripts/lib/private-services.mjs';

const repoRoot = path.resolve(__dirname, '../..');
const PASSWORD = 'integration-test-postgres-password';

interface Started {
  pid: number;
  dataDir: string;
}

/** Runs startPostgres in a child process (the module is plain ESM); the server outlives it. */
function startPostgres(port: number, dir: string): Started {
  const script =
    "const m = await import('./scripts/lib/private-services.mjs');" +
    `const pg = await m.startPostgres({ port: ${port}, dir: ${JSON.stringify(dir)}, password: ${JSON.stringify(PASSWORD)} });` +
    'console.log(JSON.stringify({ pid: pg.pid, dataDir: pg.dataDir }));';
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Started;
}

async function stopPostgres(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function query(port: number, password: string | undefined, sql: string): Promise<unknown[]> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'statelab', password, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const asRoot = process.getuid?.() === 0;
const describeAsRoot = asRoot ? describe : describe.skip;
const skipReason = asRoot ? '' : ' (skipped: the fallback folder is only used when the launcher runs as root)';

describeAsRoot(`the private PostgreSQL started as root from a folder its user cannot reach${skipReason}`, () => {
  let home: string;
  let clusterDir: string;
  let predictable: string;
  let port: number;
  const started: Started[] = [];

  beforeAll(async () => {
    // mkdtemp makes the folder 0700: the `postgres` user cannot pass through it.
    home = mkdtempSync(path.join(os.tmpdir(), 'statelab-it-home-'));
    clusterDir = path.join(home, 'cluster', 'postgres');
    // The name the launcher used to fall back to, created first by "another local user".
    predictable = path.join(os.tmpdir(), `statelab-pg-${createHash('sha256').update(clusterDir).digest('hex').slice(0, 12)}`);
    mkdirSync(predictable, { recursive: true });
    chmodSync(predictable, 0o777);
    port = await freePort();
  });

  afterAll(async () => {
    for (const { pid } of started) await stopPostgres(pid);
    for (const { dataDir } of started) rmSync(path.dirname(dataDir), { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
    rmSync(predictable, { recursive: true, force: true });
  });

  it('when it starts, then its data is in a fresh temp folder only its user can enter, not the predictable one', () => {
    started.push(startPostgres(port, clusterDir));
    const { dataDir } = started[0]!;
    const folder = path.dirname(dataDir);
    expect(folder.startsWith(predictable)).toBe(false);
    expect(path.basename(folder)).toMatch(/^statelab-pg-[A-Za-z0-9]{6}$/);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(folder).uid).toBe(Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()));
  });

  it('when a client connects as postgres without the password, then it is refused; with it, it is served', async () => {
    await expect(query(port, undefined, 'SELECT 1')).rejects.toThrow(/password/i);
    await expect(query(port, 'wrong-password', 'SELECT 1')).rejects.toThrow(/password/i);
    await query(port, PASSWORD, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (19)');
  });

  it('when it is stopped and started again from the same folder, then it finds the same data again', async () => {
    await stopPostgres(started[0]!.pid);
    started.push(startPostgres(port, clusterDir));
    expect(started[1]!.dataDir).toBe(started[0]!.dataDir);
    expect(await query(port, PASSWORD, 'SELECT n FROM kept')).toEqual([{ n: 19 }]);
  });
});
