// report.md: tables a student can paste into a lab write-up. Every number here is also in
// results.json; the Markdown only chooses and rounds.
import type { Results } from '../results-schema';
import { cpuBreakdown, MIN_CPU_US } from '../summary';
import { fmt, goalVerdict, ms, percent, range, sortedReplicas, table } from './format';

export function environmentRows(r: Results): string[][] {
  const e = r.environment;
  return [
    ['command', e.commandLine],
    ['started', e.startedAt],
    ['git commit', `${e.gitCommit.slice(0, 12)}${e.gitDirty ? ' (with uncommitted changes)' : ''}`],
    ['Node', e.node],
    ['CPU', `${e.cpuModel} × ${e.cpuCount}`],
    ['memory', `${e.totalMemoryGiB} GiB`],
    ['OS', e.os],
    ['load average at start', `${e.loadAverage.join(' / ')}${e.loadAverageAtEnd ? `, at the end ${e.loadAverageAtEnd.join(' / ')}` : ''}`],
    ...(e.cpuMHz?.length ? [['CPU clock at start', `${[...new Set(e.cpuMHz)].join(' / ')} MHz`]] : []),
    ...(e.cpuStealShare !== undefined ? [['CPU stolen by the hypervisor', e.cpuStealShare === null ? 'unknown (not Linux)' : percent(e.cpuStealShare, 1)]] : []),
    ['CPU pinning (--pin)', e.pinning ? `load generator on CPU ${e.pinning.loadGenerator}, servers on CPU ${e.pinning.servers}: ${e.pinning.processes.join(', ')}` : 'none (generator and servers share every core)'],
    ['nginx', e.versions.nginx],
    ['Redis', e.versions.redis],
    ['PostgreSQL', e.versions.postgres],
    ['target', `${r.settings.targetUrl} (${r.settings.targetKind})${r.settings.directUrl ? `, direct: ${r.settings.directUrl}` : ''}`],
    ['runs × clients', `${r.settings.runs} runs, ${r.settings.clients} simulated client addresses`],
  ];
}

export function renderMarkdown(r: Results): string {
  const out: string[] = [];
  out.push(`# statelab benchmark, ${r.environment.startedAt}`, '');
  out.push(table(['', ''], environmentRows(r)), '');

  if (r.warnings.length) {
    out.push('## Warnings', '', ...r.warnings.map((w) => `- ⚠ ${w}`), '');
  }

  if (r.ratios.length) {
    out.push('## Ratios (requests/s, computed inside each run)', '');
    out.push(
      table(
        ['ratio', 'question', 'median', 'min–max', '95 % interval', 'per run', 'fit to quote', 'target'],
        r.ratios.map((q) => [
          `${q.numerator} / ${q.denominator}`,
          q.question,
          fmt(q.summary.median, 2),
          range(q.summary.min, q.summary.max, 2),
          q.interval ? range(q.interval.low, q.interval.high, 2) : '—',
          q.perRun.map((v) => fmt(v, 2)).join(', '),
          q.quotable ? `${q.quotable.ok ? '✔' : '✘'} ${q.quotable.reason}` : '',
          goalVerdict(q.summary.median, q.target)?.text ?? '',
        ]),
      ),
      '',
    );
  }

  out.push('## Throughput (requests/s)', '');
  out.push(
    table(
      ['scenario', 'median', 'min–max', 'mean ± 95 % CI', 'responses', 'errors', 'non-2xx', 'generator CPU (max)'],
      r.scenarios.map((s) => {
        const q = s.summary.requestsPerSecond;
        return [
          s.name,
          fmt(q.median),
          range(q.min, q.max),
          `${fmt(q.mean)} ± ${fmt(q.ci95HalfWidth)}`,
          fmt(s.summary.responses),
          fmt(s.summary.errors),
          fmt(s.summary.non2xx),
          percent(s.summary.generatorCpu.max),
        ];
      }),
    ),
    '',
  );

  out.push('## Latency (ms, 2xx responses; median over runs, min–max in brackets)', '');
  out.push(
    table(
      ['scenario', 'p50', 'p95', 'p99'],
      r.scenarios.map((s) => {
        const l = s.summary.latencyMs;
        const c = (x: typeof l.p50): string => `${ms(x.median)} [${ms(x.min)}–${ms(x.max)}]`;
        return [s.name, c(l.p50), c(l.p95), c(l.p99)];
      }),
    ),
    '',
  );

  const replicas = sortedReplicas(r.scenarios.flatMap((s) => Object.keys(s.summary.perReplica)));
  out.push('## Responses per replica (X-Instance-Id, all runs)', '');
  out.push(
    table(
      ['scenario', ...replicas, 'largest share', 'meant to spread'],
      r.scenarios.map((s) => {
        const counts = s.summary.perReplica;
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        const top = Math.max(0, ...Object.values(counts));
        return [s.name, ...replicas.map((id) => fmt(counts[id] ?? 0)), percent(total ? top / total : null), s.meantToSpread ? 'yes' : 'no'];
      }),
    ),
    '',
  );

  const counters = r.scenarios.filter((s) => s.parameters.counter);
  if (counters.length) {
    out.push('## Lost updates (increments acknowledged with 2xx vs counter value read afterwards)', '');
    out.push(
      table(
        ['scenario', 'run', 'acknowledged', 'final value', 'lost updates', 'lost share'],
        counters.flatMap((s) =>
          s.runs.map((run) => [
            s.name,
            String(run.run),
            fmt(run.counter?.acknowledged),
            fmt(run.counter?.finalValue),
            fmt(run.counter?.lostUpdates),
            percent(run.counter && run.counter.acknowledged ? run.counter.lostUpdates / run.counter.acknowledged : null, 1),
          ]),
        ),
      ),
      '',
      // Why the final value may be larger than what was acknowledged (issue 9).
      'A final value can exceed the acknowledged increments by up to the number of connections: when the',
      'clock stops, each connection may have one request in flight that the server still applies but whose',
      '2xx the generator no longer counts. Those are not gains; lost updates are counted per session and only',
      'where the counter kept fewer increments than were acknowledged.',
      '',
    );
  }

  const cpu = r.scenarios.filter((s) => cpuBreakdown(s).length > 0);
  if (cpu.length) {
    const names = [...new Set(cpu.flatMap((s) => cpuBreakdown(s).map((p) => p.name)))].sort();
    out.push('## CPU per response (µs, median of runs)', '');
    out.push(
      `CPU time (user + system) each server process spent during a measurement, divided by the responses. Their sum is what one response cost this machine, wherever it was paid: a session read's Redis round trip is paid partly in Redis. Processes under ${MIN_CPU_US} µs are left out (–).`,
      '',
    );
    out.push(
      table(
        ['scenario', ...names, 'total'],
        cpu.map((s) => {
          const parts = cpuBreakdown(s);
          const of = (name: string) => parts.find((p) => p.name === name)?.us;
          return [s.name, ...names.map((n) => (of(n) === undefined ? '–' : fmt(of(n)))), fmt(parts.reduce((n, p) => n + p.us, 0))];
        }),
      ),
      '',
    );
  }

  if (r.memory?.length) {
    out.push('## Memory at the end of the run (resident set size)', '');
    out.push(table(['process', 'pid', 'RSS MiB'], r.memory.map((m) => [m.name, String(m.pid), fmt(m.rssMiB, 1)])), '');
  }

  out.push('## Scenario parameters', '');
  out.push(
    table(
      ['scenario', 'request', 'connections', 'pipelining', 'duration s', 'warm-up s', 'clients'],
      r.scenarios.map((s) => [
        s.name,
        `${s.method} ${s.url}`,
        String(s.parameters.connections),
        String(s.parameters.pipelining),
        String(s.parameters.durationSeconds),
        String(s.parameters.warmupSeconds),
        String(s.parameters.clients),
      ]),
    ),
    '',
  );
  out.push('How to read these numbers: docs/benchmarking.md.', '');
  return out.join('\n');
}
