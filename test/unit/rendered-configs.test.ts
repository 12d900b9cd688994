// The compose and Swarm files mount nginx and Prometheus configs that are rendered from the one
// replica list and committed (containers cannot run the renderer before they start). This test
// re-renders them and fails on any difference, so the committed copies can never drift from the
// template, the topology or the renderer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/dashboard-queries';

const COMMITTED = {
  compose: { nginx: 'nginx/generated/compose.conf', prometheus: 'prometheus/generated/compose.yml' },
  swarm: { nginx: 'nginx/generated/swarm.conf', prometheus: 'prometheus/generated/swarm.yml' },
} as const;

const REGENERATE = Object.entries(COMMITTED)
  .map(([mode, files]) => `node scripts/render-config.mjs ${mode} . --nginx ${files.nginx} --prometheus ${files.prometheus}`)
  .join(' && ');

describe('committed compose and Swarm renders', () => {
  let outdir: string;

  beforeAll(() => {
    outdir = mkdtempSync(path.join(os.tmpdir(), 'statelab-render-'));
  });
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  for (const [mode, files] of Object.entries(COMMITTED)) {
    it(`when the ${mode} configs are rendered again, then they equal the committed copies`, () => {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
      // The default replica count (3) is what docker-compose.yml declares as app-1..app-3.
      execFileSync(process.execPath, ['scripts/render-config.mjs', mode, path.join(outdir, mode)], {
        cwd: repoRoot,
        env,
        stdio: 'pipe',
      });
      for (const [kind, committed] of Object.entries(files)) {
        const fresh = readFileSync(path.join(outdir, mode, kind === 'nginx' ? 'nginx.conf' : 'prometheus.yml'), 'utf8');
        const onDisk = readFileSync(path.join(repoRoot, committed), 'utf8');
        if (fresh !== onDisk) {
          throw new Error(`${committed} is out of date. Regenerate with:\n  ${REGENERATE}`);
        }
        expect(fresh).toBe(onDisk);
      }
    });
  }

  it('when a render is read, then it holds no machine-specific path or user', () => {
    for (const files of Object.values(COMMITTED)) {
      for (const committed of Object.values(files)) {
        const text = readFileSync(path.join(repoRoot, committed), 'utf8');
        expect(text).not.toContain(repoRoot);
        expect(text).not.toContain(`${os.homedir()}/`);
      }
    }
  });

  it('when the compose render is read, then it names the compose services and the Swarm render tasks.app', () => {
    const composeNginx = readFileSync(path.join(repoRoot, COMMITTED.compose.nginx), 'utf8');
    for (const id of ['app-1', 'app-2', 'app-3']) expect(composeNginx).toContain(`server ${id}:3000`);
    const swarmNginx = readFileSync(path.join(repoRoot, COMMITTED.swarm.nginx), 'utf8');
    expect(swarmNginx).toContain('server tasks.app:3000');
    const swarmProm = readFileSync(path.join(repoRoot, COMMITTED.swarm.prometheus), 'utf8');
    expect(swarmProm).toMatch(/names: \[tasks\.app\]/);
    for (const files of Object.values(COMMITTED)) {
      const prom = readFileSync(path.join(repoRoot, files.prometheus), 'utf8');
      expect(prom).toContain('- /etc/prometheus/alerts.yml');
      for (const job of ['statelab', 'redis', 'postgres', 'nginx', 'prometheus']) expect(prom).toContain(`job_name: ${job}\n`);
    }
  });
});
