// "The state now lives in Redis, so Redis must survive": the launcher's private Redis keeps an
// append-only file (appendfsync everysec), so sessions survive `kill -9` of Redis itself and a
// restart. Sessions are created through nginx, Redis is SIGKILLed right after the last one was
// acknowledged, started again from its files, and every session is looked for.
import { testClient, clusterCommand, e2eCluster, type E2eCluster } from '../support/e2e-cluster';
import type { SimulatedClient } from '../../cluster/simulated-client';

const SESSIONS = 200;

let cluster: E2eCluster;
let client: SimulatedClient;
let redisDown = false;

beforeAll(() => {
  cluster = e2eCluster();
  client = testClient(cluster.nginxUrl);
});

const created: { cookie: string; id: string }[] = [];

afterAll(async () => {
  // Whatever happened, later files need Redis — and not our 200 sessions in its keyspace.
  if (redisDown) clusterCommand(cluster, ['start', 'redis']);
  for (const { cookie, id } of created) {
    client.cookie = cookie;
    await client.request('DELETE', `/api/v1/stateful/sessions/${id}`);
  }
  client.close();
});

/** Creates one session through nginx and returns its cookie. */
async function createSession(): Promise<string> {
  client.cookie = undefined;
  const reply = await client.request('POST', '/api/v1/stateful/sessions');
  expect(reply.status).toBe(201);
  created.push({ cookie: reply.cookie!, id: String(reply.json.sessionId) });
  return reply.cookie!;
}

async function sessionExists(cookie: string): Promise<number> {
  client.cookie = cookie;
  return (await client.get('/api/v1/stateful/sessions/current')).status;
}

/** Polls until the replicas answer stateful routes again (ioredis reconnects on its own). */
async function untilRedisAnswers(cookie: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await sessionExists(cookie)) === 503) {
    if (Date.now() > deadline) throw new Error('the replicas did not reach Redis again within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('kill -9 of the private Redis', () => {
  it('when Redis is SIGKILLed right after sessions were created and started again, then every acknowledged session is still there', async () => {
    const cookies: string[] = [];
    for (let i = 0; i < SESSIONS; i++) cookies.push(await createSession());

    clusterCommand(cluster, ['kill', 'redis']);
    redisDown = true;
    expect(await sessionExists(cookies[0]!)).toBe(503);
    clusterCommand(cluster, ['start', 'redis']);
    redisDown = false;
    await untilRedisAnswers(cookies[0]!);

    const statuses = [];
    for (const cookie of cookies) statuses.push(await sessionExists(cookie));
    const surviving = statuses.filter((s) => s === 200).length;
    process.stderr.write(`[redis kill -9] sessions before ${SESSIONS}, after ${surviving}\n`);
    // appendfsync everysec writes each command to the file before Redis answers: a killed
    // process (unlike a machine losing power) loses nothing it acknowledged.
    expect(surviving).toBe(SESSIONS);
  }, 90_000);
});
