import request from 'supertest';
import { buildApp, openTestDeps, type TestDeps } from '../support/test-app';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text format into samples, so assertions don't depend on label order. */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`unparsable metric line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

function find(samples: Sample[], name: string, labels: Record<string, string>): Sample | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

let deps: TestDeps;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  deps = await openTestDeps();
  app = buildApp(deps, 'replica-m');
});
afterAll(() => deps.close());

describe('GET /metrics', () => {
  it('when requests were served, then the histogram is labelled by route template, kind and replica — never raw paths', async () => {
    const created = await request(app).post('/api/v1/stateful/sessions').expect(201);
    const id = created.body.sessionId as string;
    const cookie = ([] as string[]).concat(created.headers['set-cookie'] ?? [])[0]!.split(';')[0]!;
    await request(app).get(`/api/v1/stateful/sessions/${id}`).set('Cookie', cookie).expect(200);
    await request(app).post('/api/v1/stateless/calculate').send({ operation: 'divide', operands: [1, 0] }).expect(400);
    await request(app).delete(`/api/v1/stateful/sessions/${id}`).set('Cookie', cookie).expect(204);

    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const samples = parse(res.text);
    const stateful = { replica: 'replica-m', kind: 'stateful' };
    expect(find(samples, 'http_request_duration_seconds_count', { ...stateful, method: 'GET', route: '/api/v1/stateful/sessions/:id', status: '200' })?.value).toBe(1);
    expect(find(samples, 'http_request_duration_seconds_bucket', { ...stateful, route: '/api/v1/stateful/sessions/:id', le: '+Inf' })?.value).toBe(1);
    // An error leaving the router keeps the full template.
    expect(find(samples, 'http_requests_total', { route: '/api/v1/stateless/calculate', status: '400', kind: 'stateless' })?.value).toBe(1);
    expect(find(samples, 'http_requests_total', { ...stateful, method: 'POST', route: '/api/v1/stateful/sessions', status: '201' })?.value).toBe(1);
    expect(find(samples, 'statelab_sessions_created_total', { replica: 'replica-m', store: 'redis' })?.value).toBe(1);
    expect(find(samples, 'statelab_sessions_destroyed_total', { replica: 'replica-m', store: 'redis' })?.value).toBe(1);
    expect(find(samples, 'process_cpu_user_seconds_total', { replica: 'replica-m' })).toBeDefined();
    expect(res.text).not.toContain(id);
    expect(samples.some((s) => 'instance' in s.labels)).toBe(false);
  });

  it('when a path matches no route, then it is counted as "unmatched", not by its path', async () => {
    await request(app).get('/some/random/path/123').expect(404);
    const res = await request(app).get('/metrics').expect(200);
    expect(find(parse(res.text), 'http_requests_total', { route: 'unmatched', status: '404' })?.value).toBe(1);
    expect(res.text).not.toContain('/some/random/path');
  });
});
