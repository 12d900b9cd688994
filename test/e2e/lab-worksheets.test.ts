// The guided labs end to end: a student who does every step of every worksheet — through the
// same /lab/api/ calls the page's buttons make — sees every check pass, from the terminal too
// (`npm run lab -- check <n>`). Checks only read; this test is what makes them honest.
import { clusterCommand, e2eCluster, labCheck, labToken, untilEveryReplicaServes, type E2eCluster } from '../support/e2e-cluster';

// A step's traffic, then up to 30 s of `npm run lab -- check` (passes()): the test's own limit is
// above that, so a check that never passes fails with its output, not with Jest's timeout.
jest.setTimeout(60_000);

let cluster: E2eCluster;
let token: string;
let victim: string | undefined;

beforeAll(() => {
  cluster = e2eCluster();
  token = labToken(cluster);
});

afterAll(() => {
  if (!victim) return;
  try {
    clusterCommand(cluster, ['start', victim]);
  } catch {
    // already running
  }
});

async function call(method: 'GET' | 'POST', urlPath: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${cluster.nginxUrl}/lab/api${urlPath}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-lab-token': token },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const check = (n: number) => labCheck(cluster, n);

/** Traffic runs are paced: a step's check passes once its requests have come back. */
async function passes(n: number, timeoutMs = 30_000): Promise<{ code: number; output: string }> {
  const deadline = Date.now() + timeoutMs;
  let result = check(n);
  while (result.code !== 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    result = check(n);
  }
  return result;
}

async function traffic(family: string, count: number, clients?: string[]): Promise<void> {
  const run = await call('POST', '/traffic', { family, count, rate: 50, ...(clients ? { clients } : {}) });
  expect(run.status).toBe(202);
  await new Promise((resolve) => setTimeout(resolve, (count / 50) * 1000 + 500));
}

describe('every worksheet, done step by step, passes its checks', () => {
  beforeAll(async () => {
    // The file before may have killed and restarted replicas: lab 1 is about every replica
    // answering, and a student starts it on a cluster where every replica serves.
    await untilEveryReplicaServes(cluster);
    expect((await call('POST', '/reset')).body).toEqual({ cleared: true });
  });

  test('when lab 1 is done, then its check passes', async () => {
    await traffic('stateless', 60);
    await traffic('stateful', 20, ['client-1']);
    const result = await passes(1);
    expect(result.output).toMatch(/Lab 1 passed/);
  });

  test('when lab 2 is done, then its check passes', async () => {
    await traffic('stateful', 40);
    await traffic('rr-stateful', 24, ['client-2', 'client-5']);
    expect((await passes(2)).output).toMatch(/Lab 2 passed/);
  });

  test('when lab 3 is done, then its check passes', async () => {
    expect((await call('POST', '/sessions', {})).status).toBe(201);
    await traffic('rr-local', 12);
    expect((await passes(3)).output).toMatch(/Lab 3 passed/);
  });

  test('when labs 4 and 5 are done (kill the session holder, read, send traffic, start it again), then both checks pass', async () => {
    const state = await call('GET', '/state');
    victim = state.body.sessions.find((p: { client: string }) => p.client === 'client-1').redis.createdBy as string;
    const killed = await call('POST', '/actions', { action: 'kill', target: victim });
    expect(killed.body).toMatchObject({ ok: true, action: 'kill', target: victim });
    expect((await call('POST', '/sessions/read', {})).status).toBe(200);
    await traffic('stateless', 40);
    expect((await passes(4)).output).toMatch(/Lab 4 passed/);
    const beforeStart = check(5);
    expect(beforeStart.code).toBe(1);
    expect(beforeStart.output).toMatch(/✗ every replica ready: not ready: app-\d \(down\)/);
    expect((await call('POST', '/actions', { action: 'start', target: victim })).body).toMatchObject({ ok: true });
    victim = undefined;
    expect((await passes(5)).output).toMatch(/Lab 5 passed/);
  });

  test('when lab 6 is done, then its check passes', async () => {
    expect((await call('POST', '/race', { k: 100 })).status).toBe(200);
    expect((await call('POST', '/race', { k: 150, via: 'round_robin' })).status).toBe(200);
    expect((await passes(6)).output).toMatch(/Lab 6 passed/);
  });
});
