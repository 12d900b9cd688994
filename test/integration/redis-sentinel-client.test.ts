// The replicas' Sentinel client (src/infra/redis.ts) against a real Sentinel watching the
// integration Redis: it finds the primary through the Sentinel (which, like the launcher's,
// wants a password), and it does not stay ended when ioredis ends it from under us (as it does
// when a +switch-master interrupts a reconnect).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { findFreePort as freePort } from '../../scripts/lib/private-services.mjs';
import { closeRedis, connectRedis, createRedis } from '../../src/infra/redis';

const dir = mkdtempSync(path.join(tmpdir(), 'statelab-sentinel-'));
const SENTINEL_PASSWORD = 'integration-sentinel-password';
let sentinelPid: number;
let sentinelPort: number;
let client: Redis;

beforeAll(async () => {
  const target = new URL(process.env.STATELAB_TEST_REDIS_URL!);
  const port = await freePort();
  sentinelPort = port;
  // The launcher's own Sentinel starter (an ES module, which Jest's CommonJS cannot import).
  const options = {
    port,
    dir,
    masterName: 'statelab-test',
    master: { host: target.hostname, port: Number(target.port || 6379) },
    quorum: 1,
    password: SENTINEL_PASSWORD,
    ...(target.password ? { masterPassword: decodeURIComponent(target.password) } : {}),
    fresh: true,
  };
  const script = `const m = await import('./scripts/lib/private-services.mjs'); const s = await m.startSentinel(${JSON.stringify(options)}); console.log(s.pid);`;
  sentinelPid = Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 }).trim());
  client = createRedis(
    { sentinels: [{ host: '127.0.0.1', port }], name: 'statelab-test', sentinelPassword: SENTINEL_PASSWORD, password: target.password ? decodeURIComponent(target.password) : undefined },
    1000,
  );
});

afterAll(async () => {
  await closeRedis(client).catch(() => undefined);
  process.kill(sentinelPid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const until = async (check: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('the Sentinel client', () => {
  it('when a client asks the Sentinel without its password, then it is refused', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: sentinelPort });
      socket.once('connect', () => socket.write('SENTINEL masters\r\n'));
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve(chunk.toString().split('\r\n')[0]!);
      });
      socket.once('error', reject);
    });
    expect(reply).toMatch(/^-NOAUTH/);
  });

  it('when connecting, then it reaches the primary the Sentinel names', async () => {
    expect(await connectRedis(client)).toBe(true);
    expect(await client.ping()).toBe('PONG');
  });

  it('when ioredis ends the client without closeRedis, then it connects again by itself', async () => {
    client.disconnect();
    await until(() => client.status === 'end');
    await until(() => client.status === 'ready');
    expect(await client.ping()).toBe('PONG');
  });

  it('when closed with closeRedis, then it stays closed', async () => {
    await closeRedis(client);
    await new Promise((r) => setTimeout(r, 500));
    expect(client.status).toBe('end');
  });
});
