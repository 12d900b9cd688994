import { ConfigError, configDocs, loadConfig } from '../../src/config/config';

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
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'a-real-secret-of-some-length' }).nodeEnv).toBe('production');
  });

  it('when documenting, then every key has an env name and a doc line', () => {
    for (const { env, doc } of Object.values(configDocs)) {
      expect(env).toMatch(/^[A-Z_]+$/);
      expect(doc.length).toBeGreaterThan(5);
    }
  });
});
