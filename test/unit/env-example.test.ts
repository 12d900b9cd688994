import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configDocs, loadConfig } from '../../src/config/config';

const envExample = readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8');

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('.env.example', () => {
  it('when compared with the config module, then it lists every variable the replica reads', () => {
    const listed = parseEnv(envExample);
    for (const { env } of Object.values(configDocs)) expect(Object.keys(listed)).toContain(env);
  });

  it('when compared with the compose files, then it lists every variable they read', () => {
    const listed = Object.keys(parseEnv(envExample));
    for (const file of ['docker-compose.yml', 'docker-compose.scale.yml']) {
      const text = readFileSync(path.resolve(__dirname, '../..', file), 'utf8');
      for (const [, name] of text.matchAll(/\$\{([A-Z_]+)/g)) expect(listed).toContain(name);
    }
  });

  it('when loaded as it is, then it is a valid configuration', () => {
    expect(() => loadConfig(parseEnv(envExample))).not.toThrow();
  });
});
