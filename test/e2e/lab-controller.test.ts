// The lab controller (lab/), as the page and a terminal reach it: through real nginx at
// /lab/api/, driving real virtual clients against the real replicas, and acting on real
// processes with the launcher's own process control.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { clusterCommand, e2eCluster, labCheck, labToken, type E2eCluster } from '../support/e2e-cluster';

let cluster: E2eCluster;
let token: string;

beforeAll(() => {
  cluster = e2eCluster();
  token = labToken(cluster);
});

afterAll(() => {
  // Other e2e files share the cluster: every replica must be back whatever happened here.
  for (const { id } of cluster.replicas) {
    try {
      clusterCommand(cluster, ['start', id]);
    } catch {
      // already running
    }
  }
});

interface Json {
  status: number;
  body: Record<string, any>;
}

async function lab(method: 'GET' | 'POST', urlPath: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Json> {
  const res = await fetch(`${cluster.nginxUrl}/lab/api${urlPath}`, {
    method,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const post = (urlPath: string, body: unknown = {}, headers: Record<string, string> = { 'x-lab-token': token }) => lab('POST', urlPath, { body, headers });

async function until<T>(fn: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await fn();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await fn();
  }
  return value;
}

const labCli = (n: number) => labCheck(cluster, n);

/** Reads a Server-Sent Events stream through nginx until `done(events)` or the timeout. */
function readEvents(done: (events: { event: string; data: any }[]) => boolean, timeoutMs: number): { result: Promise<{ event: string; data: any }[]>; close: () => void } {
  const events: { event: string; data: any }[] = [];
  let req: http.ClientRequest;
  const result = new Promise<{ event: string; data: any }[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      resolve(events);
    }, timeoutMs);
    req = http.get(`${cluster.nginxUrl}/lab/api/events`, (res) => {
      if (res.statusCode !== 200) reject(new Error(`events answered ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
        if (done(events)) {
          clearTimeout(timer);
          req.destroy();
          resolve(events);
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
  });
  return { result, close: () => req.destroy() };
}

interface StreamAttempt {
  status: number;
  /** The JSON error of a refused stream. */
  body?: Record<string, any>;
  close: () => void;
}

/** Opens /lab/api/events from `localAddress`; resolves at its first event (a 200) or its refusal. */
function openStream(localAddress: string): Promise<StreamAttempt> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${cluster.nginxUrl}/lab/api/events`, { localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (res.statusCode === 200 && text.includes('event: hello')) resolve({ status: 200, close: () => req.destroy() });
      });
      res.on('end', () => {
        if (res.statusCode !== 200) resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, any>, close: () => req.destroy() });
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
  });
}

describe('the lab controller behind nginx', () => {
  test('when the state is read, then it names the replicas, eight virtual clients on distinct /24s and every component', async () => {
    const { status, body } = await lab('GET', '/state');
    expect(status).toBe(200);
    expect(body.replicas.map((r: { id: string }) => r.id)).toEqual(cluster.replicas.map((r) => r.id));
    const addresses: string[] = body.clients.map((c: { address: string }) => c.address);
    expect(addresses).toHaveLength(8);
    expect(new Set(addresses.map((a) => a.split('.').slice(0, 3).join('.'))).size).toBe(8);
    // The lab records itself in state.json just after it starts; its watcher sees that within a second.
    const components = await until(async () => (await lab('GET', '/state')).body.components as { name: string }[], (cs) => cs.some((c) => c.name === 'lab'), 5_000);
    const names = components.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['redis', 'postgres', 'nginx', 'lab', ...cluster.replicas.map((r) => r.id)]));
  });

  test('when virtual clients send traffic, then nginx sees each one from its own bound address', async () => {
    const run = await post('/traffic', { family: 'stateful', count: 16, rate: 50 });
    expect(run.status).toBe(202);
    expect(run.body.clients).toHaveLength(8);
    const accessLog = path.join(cluster.clusterDir, 'logs', 'nginx-access.log');
    const seen = await until(
      async () => {
        const lines = readFileSync(accessLog, 'utf8').trim().split('\n').slice(-2000);
        return new Set(lines.map((l) => JSON.parse(l) as { client: string; uri: string }).filter((l) => l.uri === '/api/v1/stateful/sessions/current').map((l) => l.client));
      },
      (s) => ['1', '2', '3', '4', '5', '6', '7', '8'].every((n) => s.has(`127.0.${n}.1`)),
    );
    for (let n = 1; n <= 8; n += 1) expect(seen).toContain(`127.0.${n}.1`);
  });

  test('when an action comes without the token, with a wrong one or from another origin, then it is refused with a JSON 401/403', async () => {
    const action = { action: 'stop', target: 'app-1' };
    const none = await post('/actions', action, {});
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('LAB_TOKEN_REQUIRED');
    const wrong = await post('/actions', action, { 'x-lab-token': 'x'.repeat(48) });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('LAB_FORBIDDEN');
    const crossSite = await post('/actions', action, { 'x-lab-token': token, origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.code).toBe('LAB_FORBIDDEN');
    const states = (await lab('GET', '/state')).body.components as { name: string; state: string }[];
    expect(states.find((c) => c.name === 'app-1')?.state).toBe('up');
  });

  test('when a request that is neither GET nor HEAD comes without the token, then it is refused with 401 whatever its method', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const urlPath of ['/reset', '/actions', '/state']) {
        const res = await fetch(`${cluster.nginxUrl}/lab/api${urlPath}`, { method, signal: AbortSignal.timeout(10_000) });
        const body = (await res.json()) as { error: { code: string } };
        expect({ method, urlPath, status: res.status, code: body.error.code }).toEqual({ method, urlPath, status: 401, code: 'LAB_TOKEN_REQUIRED' });
      }
    }
    const head = await fetch(`${cluster.nginxUrl}/lab/api/state`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  test('when one address opens more event streams than allowed, or all addresses together do, then the next is refused with JSON', async () => {
    const open: StreamAttempt[] = [];
    try {
      // The defaults: 8 streams per address (LAB_STREAMS_PER_CLIENT), 64 in all (LAB_STREAMS_MAX).
      for (let i = 0; i < 8; i += 1) open.push(await openStream('127.0.193.1'));
      expect(open.map((s) => s.status)).toEqual(Array(8).fill(200));
      const ninth = await openStream('127.0.193.1');
      expect([ninth.status, ninth.body?.error?.code]).toEqual([429, 'LAB_STREAMS_PER_CLIENT']);
      open.push(await openStream('127.0.194.1'));
      expect(open.at(-1)!.status).toBe(200);

      const { body } = await lab('GET', '/health');
      const room = 64 - Number(body.subscribers);
      for (let n = 0; n < room; n += 1) open.push(await openStream(`127.0.${195 + Math.floor(n / 8)}.1`));
      expect(open.filter((s) => s.status !== 200)).toEqual([]);
      const full = await openStream('127.0.203.1');
      expect([full.status, full.body?.error?.code]).toEqual([503, 'LAB_STREAMS_FULL']);
    } finally {
      for (const s of open) s.close();
    }
    const deadline = Date.now() + 10_000;
    let again = await openStream('127.0.203.1');
    while (again.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = await openStream('127.0.203.1');
    }
    expect(again.status).toBe(200);
    again.close();
  }, 60_000);

  test('when an action names something outside the topology, then it is a JSON 400 or 404 and nothing runs', async () => {
    const shelly = await post('/actions', { action: 'kill', target: 'app-1; rm -rf /' });
    expect(shelly.status).toBe(400);
    expect(shelly.body.error.code).toBe('VALIDATION_FAILED');
    const unknown = await post('/actions', { action: 'kill', target: 'app-9' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UNKNOWN_COMPONENT');
    const badAction = await post('/actions', { action: 'format', target: 'app-1' });
    expect(badAction.status).toBe(400);
    const nginx = await post('/actions', { action: 'kill', target: 'nginx' });
    expect(nginx.status).toBe(409);
    expect(nginx.body.error.code).toBe('ACTION_NOT_ALLOWED');
    const badTraffic = await post('/traffic', { family: 'stateless', count: 10, rate: 5, clients: ['client-99'] });
    expect(badTraffic.status).toBe(400);
  });

  test('when a replica is stopped and started from the lab, then the event stream stays open and reports both', async () => {
    const target = cluster.replicas[1]!.id;
    const stream = readEvents(
      (events) => {
        const states = events.filter((e) => e.event === 'cluster').map((e) => e.data.components.find((c: { name: string }) => c.name === target));
        const wentDown = states.findIndex((c) => c?.state === 'down');
        // The watcher may see the replica ready a moment before the start action reports done.
        const startReported = events.some((e) => e.event === 'action' && e.data.action === 'start');
        return startReported && wentDown >= 0 && states.slice(wentDown).some((c) => c?.state === 'up' && c.ready);
      },
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopped = await post('/actions', { action: 'stop', target });
    expect(stopped.status).toBe(200);
    expect(stopped.body.ok).toBe(true);
    const started = await post('/actions', { action: 'start', target });
    expect(started.body).toMatchObject({ ok: true, action: 'start', target });
    const events = await stream.result;
    expect(events[0]?.event).toBe('hello');
    expect(events.filter((e) => e.event === 'action').map((e) => e.data.action)).toEqual(['stop', 'start']);
    const last = events.filter((e) => e.event === 'cluster').at(-1)?.data.components.find((c: { name: string }) => c.name === target);
    expect(last).toMatchObject({ state: 'up', ready: true });
    // Stop drains for SHUTDOWN_DRAIN_MS and start waits for /ready: generous, this is not a speed test.
  }, 120_000);

  test('when lab 1 is checked before and after its traffic, then it fails with its reason, then passes', async () => {
    expect((await post('/reset')).body).toEqual({ cleared: true });
    const before = labCli(1);
    expect(before.code).toBe(1);
    expect(before.output).toMatch(/✗ enough stateless requests: 0 stateless requests answered 200/);
    await post('/traffic', { family: 'stateless', count: 40, rate: 100 });
    await post('/traffic', { family: 'stateful', count: 20, rate: 100, clients: ['client-3'] });
    const after = await until(async () => labCli(1), (r) => r.code === 0);
    expect(after.output).toMatch(/Lab 1 passed/);
  });

  test('when lab 6 is checked before and after a race, then it fails with its reason, then passes', async () => {
    await post('/reset');
    const before = labCli(6);
    expect(before.code).toBe(1);
    expect(before.output).toMatch(/no race with K ≥ 50/);
    // Through round robin the K requests meet on three replicas at once: the loss is certain.
    const race = await post('/race', { k: 150, via: 'round_robin' });
    expect(race.status).toBe(200);
    expect(race.body.naive.lost).toBeGreaterThan(0);
    expect(race.body.atomic).toMatchObject({ acknowledged: 150, final: 150, lost: 0 });
    await post('/race', { k: 100 });
    expect(labCli(6).code).toBe(0);
  });

  test('when the lab reads metrics, then Prometheus answers through it with a series per replica', async () => {
    const metrics = await until(
      async () => (await lab('GET', '/metrics?window=120')).body,
      (m) => m.available === true && m.rpsByReplica.length >= 2,
      40_000,
    );
    expect(metrics.available).toBe(true);
    expect(metrics.rpsByReplica.map((s: { label: string }) => s.label)).toEqual(expect.arrayContaining(['app-1', 'app-3']));
    const bad = await lab('GET', '/metrics?window=5');
    expect(bad.status).toBe(400);
  });
});
