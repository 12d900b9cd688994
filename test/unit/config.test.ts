import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, configDocs, loadConfig } from '../../src/config/config';

const repoRoot = path.resolve(__dirname, '../..');
const JWT_KEYS = `k1=${'j'.repeat(48)}`;

// Secrets these files carried as defaults before issue 19; they stay published in git history.
const PUBLISHED_BEFORE = ['statelab-dev-secret-change-me', 'compose-dev-secret-change-me', 'local-dev-secret-change-me'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/**
 * Every SESSION_SECRET and JWT_KEYS secret the repo's deployment files spell out — a literal
 * (`NAME=value`, `NAME: value`) or a compose default (`${NAME:-value}`): anyone can read those.
 */
function secretsInDeploymentFiles(): { sessionSecrets: string[]; jwtSecrets: string[] } {
  const files = ['.env.example', 'docker-compose.yml', 'docker-compose.scale.yml', ...filesUnder(path.join(repoRoot, 'k8s')).map((f) => path.relative(repoRoot, f))];
  const sessionSecrets = new Set<string>();
  const jwtSecrets = new Set<string>();
  for (const file of files) {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    for (const [, name, value] of text.matchAll(/\$\{(SESSION_SECRET|JWT_KEYS):-([^}]+)\}/g)) (name === 'JWT_KEYS' ? jwtSecrets : sessionSecrets).add(value!);
    for (const [, name, value] of text.matchAll(/^[\s-]*(SESSION_SECRET|JWT_KEYS)\s*[=:]\s*"?([^"\s$#]+)"?\s*$/gm)) {
      (name === 'JWT_KEYS' ? jwtSecrets : sessionSecrets).add(value!);
    }
  }
  const jwt = [...jwtSecrets].flatMap((keys) => keys.split(',').map((pair) => pair.slice(pair.indexOf('=') + 1)));
  return { sessionSecrets: [...sessionSecrets], jwtSecrets: jwt };
}

/** The message of the ConfigError loadConfig throws, or undefined when it accepts `env`. */
function refusal(env: NodeJS.ProcessEnv): string | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
}

describe('loadConfig', () => {
  it('when nothing is set, then every key has a working default', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, migrateOnStart: true, trustProxy: 1, dependencyTimeoutMs: 1000 });
    expect(config.instanceId).toMatch(/:3000$/);
  });

  it('when INSTANCE_ID and PORT are set, then they are used', () => {
    expect(loadConfig({ INSTANCE_ID: 'app-2', PORT: '3002' })).toMatchObject({ instanceId: 'app-2', port: 3002 });
  });

  it('when MIGRATE_ON_START=false, then migrations are off', () => {
    expect(loadConfig({ MIGRATE_ON_START: 'false' }).migrateOnStart).toBe(false);
  });

  it('when values are bad, then one error names every bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', MIGRATE_ON_START: 'maybe' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', MIGRATE_ON_START: 'maybe' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/REDIS_URL/);
      expect(message).toMatch(/MIGRATE_ON_START/);
    }
  });

  it('when NODE_ENV=production and the session secret is the default, then startup is refused', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_KEYS })).toThrow(/SESSION_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'a-real-secret-of-some-length', JWT_KEYS }).nodeEnv).toBe('production');
  });

  it('when NODE_ENV=production and SESSION_SECRET (or a JWT_KEYS secret) is any value the repo published, then startup is refused', () => {
    const { sessionSecrets, jwtSecrets } = secretsInDeploymentFiles();
    for (const secret of new Set([...PUBLISHED_BEFORE, ...sessionSecrets])) {
      expect({ secret, refused: refusal({ NODE_ENV: 'production', SESSION_SECRET: secret, JWT_KEYS }) }).toEqual({
        secret,
        refused: expect.stringMatching(/SESSION_SECRET: .*published/),
      });
      // Development keeps working with them: a laptop cluster is what they were written for.
      expect(loadConfig({ NODE_ENV: 'development', SESSION_SECRET: secret }).sessionSecret).toBe(secret);
    }
    for (const secret of jwtSecrets) {
      expect({ secret, refused: refusal({ NODE_ENV: 'production', SESSION_SECRET: 'a-real-secret-of-some-length', JWT_KEYS: `k9=${secret}` }) }).toEqual({
        secret,
        refused: expect.stringMatching(/JWT_KEYS: .*published/),
      });
    }
  });

  it('when NODE_ENV=production and JWT_KEYS is unset, then startup is refused: no token key is derived from SESSION_SECRET there', () => {
    expect(refusal({ NODE_ENV: 'production', SESSION_SECRET: 'a-real-secret-of-some-length' })).toMatch(/JWT_KEYS: .*required/);
  });

  it('when documenting, then every key has an env name and a doc line', () => {
    for (const { env, doc } of Object.values(configDocs)) {
      expect(env).toMatch(/^[A-Z_]+$/);
      expect(doc.length).toBeGreaterThan(5);
    }
  });
});
