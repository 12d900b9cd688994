import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkLab, CHECKS } from '../../lab/lab-checks';
import { LabHistory } from '../../lab/lab-history';
import type { RequestEvent, RouteFamily } from '../../lab/lab-types';
import { FAMILY_POLICY } from '../../lab/lab-types';
import { WORKSHEETS } from '../../lab/worksheets';

let seq = 0;
function request(family: RouteFamily, client: string, replica: string, status = 200, at = Date.now()): RequestEvent {
  seq += 1;
  return {
    type: 'request', seq, at, client, family, policy: FAMILY_POLICY[family], method: 'GET', path: '/', status, replica,
    upstream: null, retried: false, latencyMs: 1, requestId: null, errorCode: status === 200 ? null : 'X', purpose: 'traffic', runId: null, lesson: null, cacheStatus: null,
  };
}

describe('lab worksheets and their checks', () => {
  test('when the worksheets are listed, then there is one for each of the fifteen lessons of docs/labs.md, in order, each asking for a prediction', () => {
    expect(WORKSHEETS.map((w) => w.id)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    const headings = [...readFileSync(path.join(__dirname, '..', '..', 'docs', 'labs.md'), 'utf8').matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1]));
    expect(headings).toEqual(WORKSHEETS.map((w) => w.id));
    for (const sheet of WORKSHEETS) expect(sheet.steps.some((step) => step.text.includes('Predict, then watch for'))).toBe(true);
  });

  test('when the worksheets are listed, then every step names a check that exists', () => {
    for (const sheet of WORKSHEETS) {
      expect(sheet.steps.length).toBeGreaterThan(0);
      for (const step of sheet.steps) {
        expect(CHECKS[step.check]).toBeDefined();
        expect(step.hints.length).toBeGreaterThan(0);
        expect(step.solution).not.toBe('');
      }
    }
  });

  test('when nothing has happened yet, then every lab fails and every failed part says why', () => {
    const history = new LabHistory();
    for (const sheet of WORKSHEETS) {
      const report = checkLab(sheet.id, { history, components: [] })!;
      expect(report.passed).toBe(false);
      for (const part of report.steps.flatMap((s) => s.parts).filter((p) => !p.passed)) expect(part.detail.length).toBeGreaterThan(10);
    }
  });

  test('when stateless traffic reached one replica only, then lab 1 fails on its spread and names the replica', () => {
    const history = new LabHistory();
    for (let i = 0; i < 40; i += 1) history.recordRequest(request('stateless', 'client-1', 'app-1'));
    const step = checkLab(1, { history, components: [] })!.steps[0]!;
    expect(step.parts.find((p) => p.name === 'enough stateless requests')?.passed).toBe(true);
    expect(step.parts.find((p) => p.name === 'several replicas answered')).toMatchObject({ passed: false, detail: expect.stringContaining('app-1 40') });
  });

  test('when a client wanders between replicas under ip_hash, then lab 2 names it', () => {
    const history = new LabHistory();
    for (let c = 1; c <= 4; c += 1) for (let i = 0; i < 5; i += 1) history.recordRequest(request('stateful', `client-${c}`, `app-${(c % 3) + 1}`));
    history.recordRequest(request('stateful', 'client-2', 'app-1'));
    const pinned = checkLab(2, { history, components: [] })!.steps[0]!.parts.find((p) => p.name === 'each client pinned')!;
    expect(pinned.passed).toBe(false);
    expect(pinned.detail).toContain('client-2');
  });

  test('when a check is run twice, then it gives the same answer and records nothing', () => {
    const history = new LabHistory();
    for (let i = 0; i < 40; i += 1) history.recordRequest(request('stateless', 'client-1', `app-${(i % 3) + 1}`));
    const first = checkLab(1, { history, components: [] })!;
    const second = checkLab(1, { history, components: [] })!;
    expect(second.steps).toEqual(first.steps);
    expect(history.requests).toHaveLength(40);
  });
});
