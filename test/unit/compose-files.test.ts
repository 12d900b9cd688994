// The static half of the container checks (the running half is `npm run test:containers`, which
// needs a Docker engine): Debian's docker-compose (1.29, the Python tool) parses, interpolates and
// schema-checks each file with `docker-compose config`, and this test asserts the facts the
// cluster depends on in its output.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import replicaRuntime from '../../scripts/lib/replica-runtime.json';
import { parseYaml, repoRoot } from '../support/dashboard-queries';
import { requireCommand } from '../../scripts/lib/system-packages.mjs';

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[] | string;
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string };
  restart?: string;
  ports?: ({ published: number; target: number; mode?: string } | string)[];
  volumes?: ({ type: string; source?: string; target: string } | string)[];
  configs?: { source: string; target: string }[];
  deploy?: {
    replicas?: number;
    update_config?: { parallelism?: number; order?: string; failure_action?: string };
    restart_policy?: { condition?: string };
  };
}
interface ComposeConfig {
  version?: string;
  services: Record<string, Service>;
  networks?: Record<string, { driver?: string }>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { file: string }>;
}

// Variables the compose files read. Cleared before each run so a developer's shell or .env
// cannot change what the test sees; individual tests set the ones they exercise.
const COMPOSE_VARIABLES = [...new Set(
  ['docker-compose.yml', 'docker-compose.scale.yml'].flatMap((file) =>
    [...readFileSync(path.join(repoRoot, file), 'utf8').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!),
  ),
)].sort();

// What an operator puts in .env; values of the test's own, published nowhere else.
const REQUIRED_SECRETS = {
  SESSION_SECRET: 'unit-test-session-secret-0123456789',
  JWT_KEYS: `unit-1=${'u'.repeat(40)}`,
  GRAFANA_ADMIN_PASSWORD: 'unit-test-grafana-password',
};

describe('compose files, as docker-compose config parses them', () => {
  let scratch: string;
  let emptyEnvFile: string;
  let dockerCompose: string;

  beforeAll(() => {
    dockerCompose = requireCommand('docker-compose');
    scratch = mkdtempSync(path.join(os.tmpdir(), 'statelab-compose-'));
    emptyEnvFile = path.join(scratch, 'empty.env');
    writeFileSync(emptyEnvFile, '');
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  /** `docker-compose config` with exactly `vars` set: stdout, or the refusal on stderr. */
  function composeConfig(file: string, vars: Record<string, string>): { ok: true; out: string } | { ok: false; stderr: string } {
    const env: NodeJS.ProcessEnv = { ...process.env, ...vars };
    for (const name of COMPOSE_VARIABLES) if (!(name in vars)) delete env[name];
    try {
      const out = execFileSync(dockerCompose, ['--env-file', emptyEnvFile, '-f', file, 'config'], {
        cwd: repoRoot,
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { ok: true, out };
    } catch (error) {
      return { ok: false, stderr: String((error as { stderr?: string }).stderr ?? error) };
    }
  }

  /** The parsed file, with the secrets every deployment must bring set (they have no default). */
  function config(file: string, vars: Record<string, string> = {}): ComposeConfig {
    const result = composeConfig(file, { ...REQUIRED_SECRETS, ...vars });
    if (!result.ok) throw new Error(`docker-compose config refused ${file}:\n${result.stderr}`);
    return parseYaml(result.out) as ComposeConfig;
  }

  function volumeTargets(service: Service): string[] {
    return (service.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1]! : v.target));
  }
  function volumeSources(service: Service): string[] {
    return (service.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '')));
  }

  describe('docker-compose.yml', () => {
    let compose: ComposeConfig;
    beforeAll(() => {
      compose = config('docker-compose.yml');
    });

    it('when parsed, then it has app-1..app-3 built from the one Dockerfile, each with its own INSTANCE_ID', () => {
      const apps = Object.keys(compose.services).filter((name) => /^app-\d+$/.test(name)).sort();
      expect(apps).toEqual(['app-1', 'app-2', 'app-3']);
      for (const name of apps) {
        const app = compose.services[name]!;
        expect(app.build).toEqual({ context: repoRoot, target: 'runtime' });
        expect(app.image).toBe('statelab:latest');
        expect(app.environment?.INSTANCE_ID).toBe(name);
        expect(app.environment?.MIGRATE_ON_START).toBe('false');
        expect(app.environment?.REDIS_URL).toBe('redis://redis:6379');
        expect(app.environment?.DATABASE_URL).toBe('postgresql://statelab:statelab@postgres:5432/statelab');
        expect(app.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:3000/ready');
      }
    });

    it('when the replicas start, then they wait for a completed migrate job and healthy Redis and PostgreSQL', () => {
      for (const name of ['app-1', 'app-2', 'app-3']) {
        expect(compose.services[name]!.depends_on).toEqual({
          migrate: { condition: 'service_completed_successfully' },
          redis: { condition: 'service_healthy' },
          postgres: { condition: 'service_healthy' },
        });
      }
      const migrate = compose.services.migrate!;
      expect(migrate.image).toBe('statelab:latest');
      expect(String(migrate.command)).toContain('node scripts/prisma.mjs migrate deploy');
      expect(migrate.restart).toBe('no');
      expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    });

    it('when a service waits for another, then it waits for health or completion, never just for a start', () => {
      for (const [name, service] of Object.entries(compose.services)) {
        for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
          expect({ name, dependency, condition }).toEqual({
            name,
            dependency,
            condition: expect.stringMatching(/^service_(healthy|completed_successfully)$/),
          });
          if (condition === 'service_healthy') expect(compose.services[dependency]?.healthcheck).toBeDefined();
        }
      }
    });

    it('when Redis and PostgreSQL are read, then Redis keeps an AOF and both keep data in volumes with healthchecks', () => {
      const redis = compose.services.redis!;
      expect(String(redis.command)).toMatch(/--appendonly,?\s*yes/);
      expect(volumeTargets(redis)).toContain('/data');
      expect(redis.healthcheck?.test.join(' ')).toContain('redis-cli ping');
      const postgres = compose.services.postgres!;
      expect(postgres.image).toMatch(/^postgres:15/);
      expect(volumeTargets(postgres)).toContain('/var/lib/postgresql/data');
      expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
      expect(Object.keys(compose.volumes ?? {})).toEqual(expect.arrayContaining(['redis-data', 'postgres-data']));
    });

    it('when nginx, Prometheus and Grafana are read, then they mount the committed compose renders and provisioning', () => {
      const nginx = compose.services.nginx!;
      expect(volumeSources(nginx)).toContain(path.join(repoRoot, 'nginx/generated/compose.conf'));
      // With a host address, docker-compose 1.29 prints the short form.
      expect(nginx.ports).toEqual(['0.0.0.0:8080:8080/tcp']);
      expect(Object.values(nginx.depends_on ?? {}).every((d) => d.condition === 'service_healthy')).toBe(true);
      expect(Object.keys(nginx.depends_on ?? {}).sort()).toEqual(['app-1', 'app-2', 'app-3']);
      const prometheus = compose.services.prometheus!;
      expect(volumeSources(prometheus)).toEqual(
        expect.arrayContaining([
          path.join(repoRoot, 'prometheus/generated/compose.yml'),
          path.join(repoRoot, 'prometheus/alerts.yml'),
        ]),
      );
      const grafana = compose.services.grafana!;
      expect(volumeSources(grafana)).toEqual(
        expect.arrayContaining([path.join(repoRoot, 'grafana/provisioning'), path.join(repoRoot, 'grafana/dashboards')]),
      );
    });

    it('when Prometheus scrapes its compose targets, then every target host is a service of the file', () => {
      const rendered = readFileSync(path.join(repoRoot, 'prometheus/generated/compose.yml'), 'utf8');
      const hosts = [...rendered.matchAll(/targets: \["([^":]+):\d+"\]/g)].map((m) => m[1]!);
      expect(hosts.length).toBeGreaterThanOrEqual(7);
      for (const host of hosts) {
        if (host === 'localhost') continue;
        expect(Object.keys(compose.services)).toContain(host);
      }
      const scrapeUri = String(compose.services['nginx-exporter']!.command);
      expect(scrapeUri).toContain('http://nginx:8089/stub_status');
      expect(readFileSync(path.join(repoRoot, 'nginx/generated/compose.conf'), 'utf8')).toContain('listen 8089;');
    });

    it('when .env variables are set, then they replace the development defaults', () => {
      const custom = config('docker-compose.yml', {
        NGINX_PORT: '18080',
        PUBLISH_ADDRESS: '127.0.0.1',
        POSTGRES_PASSWORD: 's3cret',
        SESSION_SECRET: 'from-env',
        STATELAB_IMAGE: 'registry.example/statelab:1.2.3',
      });
      expect(custom.services.nginx!.ports).toEqual(['127.0.0.1:18080:8080/tcp']);
      expect(custom.services['app-2']!.environment?.DATABASE_URL).toBe('postgresql://statelab:s3cret@postgres:5432/statelab');
      expect(custom.services['app-2']!.environment?.SESSION_SECRET).toBe('from-env');
      expect(custom.services['app-3']!.image).toBe('registry.example/statelab:1.2.3');
    });

    it('when a secret has no value (no .env), then docker-compose refuses the whole file and names the variable', () => {
      for (const name of Object.keys(REQUIRED_SECRETS)) {
        const without = Object.fromEntries(Object.entries(REQUIRED_SECRETS).filter(([n]) => n !== name));
        for (const vars of [without, { ...without, [name]: '' }]) {
          const result = composeConfig('docker-compose.yml', vars);
          expect({ name, refused: !result.ok }).toEqual({ name, refused: true });
          if (!result.ok) expect(result.stderr).toContain(name);
        }
      }
    });

    it('when nothing is published on purpose, then Prometheus and Grafana listen on 127.0.0.1 only, with no lifecycle API and no admin/admin', () => {
      const prometheus = compose.services.prometheus!;
      expect(prometheus.ports).toEqual(['127.0.0.1:9090:9090/tcp']);
      expect(String(prometheus.command)).not.toContain('--web.enable-lifecycle');
      const grafana = compose.services.grafana!;
      expect(grafana.ports).toEqual(['127.0.0.1:3000:3000/tcp']);
      expect(grafana.environment?.GF_SECURITY_ADMIN_PASSWORD).toBe(REQUIRED_SECRETS.GRAFANA_ADMIN_PASSWORD);
      const opened = config('docker-compose.yml', { MONITORING_PUBLISH_ADDRESS: '0.0.0.0' });
      expect([opened.services.prometheus!.ports, opened.services.grafana!.ports]).toEqual([['0.0.0.0:9090:9090/tcp'], ['0.0.0.0:3000:3000/tcp']]);
    });

    it('when Redis fills up, then it refuses writes (maxmemory, noeviction) rather than evict sessions silently', () => {
      const command = String(compose.services.redis!.command);
      expect(command).toMatch(/--maxmemory,?\s*256mb/);
      expect(command).toMatch(/--maxmemory-policy,?\s*noeviction/);
    });
  });

  describe('docker-compose.scale.yml (Swarm stack)', () => {
    let stack: ComposeConfig;
    beforeAll(() => {
      stack = config('docker-compose.scale.yml');
    });

    it('when parsed, then one app service runs 3 replicas of a prebuilt image with a rolling, self-rolling-back update', () => {
      const app = stack.services.app!;
      expect(Object.keys(stack.services).filter((name) => name.startsWith('app'))).toEqual(['app']);
      expect(app.build).toBeUndefined();
      expect(app.image).toBe('statelab:latest');
      expect(app.deploy?.replicas).toBe(3);
      expect(app.deploy?.update_config).toMatchObject({ parallelism: 1, order: 'start-first', failure_action: 'rollback' });
      expect(app.deploy?.restart_policy?.condition).toBe('on-failure');
      expect(app.environment?.INSTANCE_ID).toBe('app-{{.Task.Slot}}');
      expect(app.healthcheck?.test.join(' ')).toContain('/ready');
    });

    it('when a secret has no value, then the stack file is refused too', () => {
      const result = composeConfig('docker-compose.scale.yml', { JWT_KEYS: REQUIRED_SECRETS.JWT_KEYS, GRAFANA_ADMIN_PASSWORD: 'x-y-z-w' });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.stderr).toContain('SESSION_SECRET');
    });

    it('when the stack is read, then Redis refuses writes when full, Prometheus has no lifecycle API and Grafana no admin/admin', () => {
      expect(String(stack.services.redis!.command)).toMatch(/--maxmemory-policy,?\s*noeviction/);
      expect(String(stack.services.prometheus!.command)).not.toContain('--web.enable-lifecycle');
      expect(stack.services.grafana!.environment?.GF_SECURITY_ADMIN_PASSWORD).toBe(REQUIRED_SECRETS.GRAFANA_ADMIN_PASSWORD);
    });

    it('when APP_REPLICAS is set, then the app service scales to it', () => {
      expect(config('docker-compose.scale.yml', { APP_REPLICAS: '5' }).services.app!.deploy?.replicas).toBe(5);
    });

    it('when nginx and Prometheus are read, then they use the Swarm renders that find replicas as tasks.app', () => {
      expect(stack.configs?.nginx_conf?.file).toBe(path.join(repoRoot, 'nginx/generated/swarm.conf'));
      expect(stack.configs?.prometheus_yml?.file).toBe(path.join(repoRoot, 'prometheus/generated/swarm.yml'));
      expect(readFileSync(path.join(repoRoot, 'nginx/generated/swarm.conf'), 'utf8')).toContain('server tasks.app:3000');
      expect(stack.services.nginx!.configs).toContainEqual({ source: 'nginx_conf', target: '/etc/nginx/nginx.conf' });
      // Host-mode publishing keeps client addresses, which ip_hash needs.
      expect(stack.services.nginx!.ports).toEqual([expect.objectContaining({ mode: 'host', target: 8080, published: 8080 })]);
    });

    it('when the stack is read, then every service shares one overlay network and Redis, PostgreSQL, Prometheus and Grafana are present', () => {
      expect(stack.networks?.statelab?.driver).toBe('overlay');
      for (const name of ['redis', 'postgres', 'prometheus', 'grafana', 'nginx', 'migrate']) {
        expect(stack.services[name]).toBeDefined();
      }
      expect(String(stack.services.redis!.command)).toMatch(/--appendonly,?\s*yes/);
      for (const [name, service] of Object.entries(stack.services)) {
        expect({ name, networks: Object.keys((service as { networks?: object }).networks ?? {}) }).toEqual({
          name,
          networks: ['statelab'],
        });
      }
    });
  });

  it('when a variable is required (${VAR:?message}), then its message has no - or ?, which docker stack deploy would read as the operator', () => {
    // Measured: docker 28's parser turned `${JWT_KEYS:?… openssl rand -hex 32 …}` into the value "hex 32 …".
    const required = ['docker-compose.yml', 'docker-compose.scale.yml'].flatMap((file) =>
      [...readFileSync(path.join(repoRoot, file), 'utf8').matchAll(/\$\{([A-Z_]+):\?([^}]*)\}/g)].map((m) => ({ file, name: m[1]!, message: m[2]! })),
    );
    expect(required.map((r) => r.name).sort()).toEqual(['GRAFANA_ADMIN_PASSWORD', 'GRAFANA_ADMIN_PASSWORD', 'JWT_KEYS', 'JWT_KEYS', 'SESSION_SECRET', 'SESSION_SECRET']);
    expect(required.filter((r) => /[-?]/.test(r.message))).toEqual([]);
  });

  it('when the deployment guide is read, then it documents every variable the compose files read', () => {
    const guide = readFileSync(path.join(repoRoot, 'docs/deployment.md'), 'utf8');
    expect(COMPOSE_VARIABLES.filter((name) => !guide.includes(`\`${name}\``))).toEqual([]);
  });
});

// `docker build` cannot run here either; these are the Dockerfile facts the compose files rely on.
describe('Dockerfile, read as text', () => {
  const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));

  it('when its stages are listed, then it builds in stages and ends in a runtime stage run by a non-root user', () => {
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    expect(stages).toEqual(['base', 'deps', 'build', 'prod-deps', 'runtime']);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*CMD \["node", "-e", ".*\/ready/m);
    const cmd = /^CMD (\[.*\])$/m.exec(runtime)?.[1];
    expect(replicaRuntime.nodeFlags.length).toBeGreaterThan(0);
    expect(cmd && JSON.parse(cmd)).toEqual(['node', ...replicaRuntime.nodeFlags, 'dist/src/server.js']);
    // The launcher's allocator setting, as ENV of the runtime stage (continued lines joined).
    const env = runtime.replace(/\\\n\s*/g, ' ').match(/^ENV (.*)$/m)?.[1] ?? '';
    expect(Object.keys(replicaRuntime.env).length).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(replicaRuntime.env)) expect(env.split(/\s+/)).toContain(`${name}=${value}`);
  });

  it('when a file is copied from the build context, then it exists and .dockerignore does not exclude it', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied.length).toBeGreaterThan(5);
    for (const source of copied) {
      expect({ source, exists: existsSync(path.join(repoRoot, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)) }).toEqual({
        source,
        ignored: false,
      });
    }
  });
});
