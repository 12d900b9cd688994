// `--progress-json` (bench/progress-json.ts): what a program running the bench reads on its stderr
// — the lab page's bench panel does — and the responses per replica the ticks carry (bench/load.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseBenchArgs } from '../../bench/args';
import { measureLoad } from '../../bench/load';
import { parseProgressLine, progressLine } from '../../bench/progress-json';
import type { Progress } from '../../bench/runner';
import { SimulatedClient } from '../../cluster/simulated-client';

const tick: Progress = {
  run: 2, runs: 3, step: 5, steps: 6, scenario: 'stateful-session-read', phase: 'measure',
  elapsedSeconds: 3.01, durationSeconds: 10, responses: 812, perReplica: { 'app-1': 400, 'app-2': 412 },
};

describe('the bench progress as JSON lines', () => {
  it('when a tick is written, then it is one line that reads back as the same tick', () => {
    const line = progressLine(tick);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    expect(parseProgressLine(line.trimEnd())).toEqual({ type: 'progress', ...tick });
  });

  it('when stderr carries anything else (a warning, an error, a broken or foreign JSON line), then it is not progress', () => {
    expect(parseProgressLine('[bench] warning: the native cluster is only partly ready')).toBeUndefined();
    expect(parseProgressLine('{"type":"progress","run":1')).toBeUndefined();
    expect(parseProgressLine('{"type":"other"}')).toBeUndefined();
    expect(parseProgressLine(JSON.stringify({ type: 'progress', ...tick, phase: 'sleeping' }))).toBeUndefined();
  });

  it('when the options are given, then they are parsed; --running-cluster and --start-cluster exclude each other', () => {
    expect(parseBenchArgs(['--progress-json', '--running-cluster'])).toMatchObject({ progressJson: true, runningCluster: true, startCluster: false });
    expect(parseBenchArgs([])).toMatchObject({ progressJson: false, runningCluster: false });
    expect(() => parseBenchArgs(['--running-cluster', '--start-cluster'])).toThrow('--start-cluster and --running-cluster exclude each other');
  });

  it('when a load runs past its first tick, then the tick carries the responses per X-Instance-Id, adding up to the total', async () => {
    let served = 0;
    const server = http.createServer((_req, res) => {
      served += 1;
      res.writeHead(200, { 'x-instance-id': served % 2 ? 'app-1' : 'app-2', 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new SimulatedClient('http://127.0.0.1', { id: 'tick-test' });
    const ticks: { responses: number; perReplica: Record<string, number> }[] = [];
    try {
      const { port } = server.address() as AddressInfo;
      await measureLoad({
        url: `http://127.0.0.1:${port}/`, method: 'GET', connections: 1, pipelining: 1, durationSeconds: 1.3, clients: [client],
        onTick: (_elapsed, responses, perReplica) => ticks.push({ responses, perReplica }),
      });
    } finally {
      client.close();
      server.close();
    }
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    const first = ticks[0]!;
    expect(first.responses).toBeGreaterThan(0);
    expect(Object.keys(first.perReplica).sort()).toEqual(['app-1', 'app-2']);
    expect(Object.values(first.perReplica).reduce((a, b) => a + b, 0)).toBe(first.responses);
  });
});
