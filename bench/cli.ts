// `npm run bench -- …`: runs the scenarios and writes bench/results/<timestamp>/{results.json,
// report.md, report.html}. Progress goes to stderr, the summary and the report paths to stdout.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBenchArgs, USAGE, type BenchArgs } from './args';
import { assertAnswers, clusterEndpoints } from './cluster';
import { collectEnvironment, cpuTimes, MAX_STEAL_SHARE, stealShare } from './environment';
import { allCores, clusterProcesses, corePlan, pinProcess, type ServerProcess } from './processes';
import { progressLine } from './progress-json';
import { fmt, percent } from './report/format';
import { timestampDirName, writeReport } from './report/write';
import type { Results } from './results-schema';
import { applicableScenarios, runBenchmarks, type Progress, type RunnerOptions } from './runner';
import { SCENARIOS } from './scenarios';
import { cpuBreakdown, MAX_QUOTABLE_HALF_WIDTH, MIN_CPU_US } from './summary';
import { ensureCluster, stopCluster } from '../cluster/launcher';
import { loadTopology } from '../cluster/topology';

function progressPrinter(): (p: Progress) => void {
  const tty = process.stderr.isTTY;
  let lastKey = '';
  return (p) => {
    const timing = p.phase === 'warm-up' || p.phase === 'measure' ? ` ${p.elapsedSeconds.toFixed(0)}/${p.durationSeconds}s ${fmt(p.responses)} responses` : '';
    const line = `[bench] run ${p.run}/${p.runs} · ${p.step}/${p.steps} ${p.scenario} · ${p.phase}${timing}`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}`);
    else if (`${p.step}${p.phase}` !== lastKey) process.stderr.write(`${line}\n`);
    lastKey = `${p.step}${p.phase}`;
  };
}

function listScenarios(): void {
  for (const s of SCENARIOS) {
    const d = s.defaults;
    process.stdout.write(
      `${s.name.padEnd(24)} ${`${s.method} ${s.path}`.padEnd(58)} c=${d.connections} p=${d.pipelining} ${d.durationSeconds}s (+${d.warmupSeconds}s warm-up) [${s.target}]\n`,
    );
  }
}

async function resolveTarget(args: BenchArgs): Promise<Pick<RunnerOptions, 'targetUrl' | 'targetKind' | 'directUrl'>> {
  const endpoints = clusterEndpoints();
  if (args.target) return { targetUrl: args.target, targetKind: 'custom', directUrl: null };
  if (args.direct) return { targetUrl: endpoints.directUrl, targetKind: 'direct', directUrl: endpoints.directUrl };
  return { targetUrl: endpoints.nginxUrl, targetKind: 'nginx', directUrl: endpoints.directUrl };
}

function printSummary(results: Results): void {
  const out: string[] = ['', 'scenario                  req/s (median, min–max, ±95% CI)         p99 ms   errors  non-2xx'];
  for (const s of results.scenarios) {
    const q = s.summary.requestsPerSecond;
    out.push(
      `${s.name.padEnd(25)} ${`${fmt(q.median)} (${fmt(q.min)}–${fmt(q.max)}, ±${fmt(q.ci95HalfWidth)})`.padEnd(40)} ${fmt(s.summary.latencyMs.p99.median, 1).padStart(7)} ${String(s.summary.errors).padStart(8)} ${String(s.summary.non2xx).padStart(8)}` +
        (s.summary.lostUpdates ? `   lost updates: ${fmt(s.summary.lostUpdates.median)}` : ''),
    );
  }
  if (results.ratios.length) out.push('', 'ratios (median of per-run ratios):');
  for (const r of results.ratios) {
    const verdict = r.target === null || r.summary.median === null ? '' : r.summary.median >= r.target ? `  (target ≥ ${r.target}: met)` : `  (target ≥ ${r.target}: missed by ${percent(1 - r.summary.median / r.target)})`;
    const interval = r.interval ? `95% CI ${fmt(r.interval.low, 2)}–${fmt(r.interval.high, 2)}` : 'no CI';
    out.push(`  ${r.name.padEnd(34)} ${fmt(r.summary.median, 2)}  [${fmt(r.summary.min, 2)}–${fmt(r.summary.max, 2)}, ${interval}]${verdict}`);
  }
  const unfit = results.ratios.filter((r) => r.quotable && !r.quotable.ok);
  if (results.ratios.length) {
    out.push(
      unfit.length === 0
        ? `  ✔ every ratio is fit to quote (95 % interval within ±${MAX_QUOTABLE_HALF_WIDTH * 100} %)`
        : `  ✘ not fit to quote: ${unfit.map((r) => `${r.name} — ${r.quotable?.reason}`).join('; ')}`,
    );
  }
  const cpu = results.scenarios.filter((s) => cpuBreakdown(s).length > 0);
  if (cpu.length) {
    out.push('', `CPU per response (µs, median of runs; processes under ${MIN_CPU_US} µs left out):`);
    for (const s of cpu) {
      const parts = cpuBreakdown(s);
      const total = parts.reduce((n, p) => n + p.us, 0);
      out.push(`  ${s.name.padEnd(25)} ${fmt(total).padStart(5)} = ${parts.map((p) => `${p.name} ${fmt(p.us)}`).join(' + ')}`);
    }
  }
  if (results.memory?.length) {
    out.push('', `memory at the end of the run (RSS): ${results.memory.map((m) => `${m.name} ${fmt(m.rssMiB, 0)} MiB`).join(', ')}`);
  }
  for (const w of results.warnings) out.push(`⚠ ${w}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  const args = parseBenchArgs(argv);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.list) {
    listScenarios();
    return 0;
  }
  const startedAt = new Date();
  const commandLine = ['npm run bench --', ...argv].join(' ');
  const target = await resolveTarget(args);
  // --target is somebody else's deployment: never start anything for it, only check it answers.
  const startedCluster = args.target
    ? false
    : await ensureCluster(args.startCluster, (line) => process.stderr.write(`[bench] ${line}\n`), { mayStart: !args.runningCluster });
  const clusterDir = loadTopology(process.env).clusterDir;
  let servers: ServerProcess[] = [];
  let pinnedCluster = false;
  try {
    const overrides = {
      ...(args.durationSeconds !== undefined ? { durationSeconds: args.durationSeconds } : {}),
      ...(args.warmupSeconds !== undefined ? { warmupSeconds: args.warmupSeconds } : {}),
      ...(args.connections !== undefined ? { connections: args.connections } : {}),
    };
    await assertAnswers(target.targetUrl);
    servers = clusterProcesses(clusterDir);
    const plan = args.pin ? corePlan() : undefined;
    if (plan) {
      pinnedCluster = true;
      pinProcess(process.pid, plan.loadGenerator);
      for (const server of servers) pinProcess(server.pid, plan.servers);
    }
    const options: RunnerOptions = {
      ...target,
      scenarios: args.scenarios,
      runs: args.runs,
      clients: args.clients,
      overrides,
      servers: servers.filter((s) => s.name !== 'nginx'),
      // Redis too: a session read's price is paid partly there (not pinned: it is not ours to move).
      cpuProcesses: clusterProcesses(clusterDir, /^(app-\d+|nginx|redis)$/),
      ...(plan ? { serverCpus: plan.servers } : {}),
      onProgress: args.progressJson ? (p) => process.stderr.write(progressLine(p)) : progressPrinter(),
    };
    const planned = applicableScenarios(options);
    process.stderr.write(`[bench] ${planned.length} scenarios × ${args.runs} runs against ${target.targetUrl} (${target.targetKind})\n`);
    const environment = collectEnvironment(commandLine, startedAt);
    const cpuBefore = cpuTimes();
    const { pinned: pinnedByRunner, ...output } = await runBenchmarks(options);
    const steal = stealShare(cpuBefore, cpuTimes());
    if (steal !== null && steal > MAX_STEAL_SHARE) {
      output.warnings.push(`the hypervisor took ${percent(steal)} of the CPU time during the run (steal): the numbers measure other guests too; not fit to quote.`);
    }
    process.stderr.write('\n');
    const pinning = plan
      ? { ...plan, processes: [{ name: 'load generator', pid: process.pid }, ...servers, ...pinnedByRunner].map((p) => `${p.name} (${p.pid})`) }
      : null;
    const results: Results = {
      schemaVersion: 1,
      environment: { ...environment, finishedAt: new Date().toISOString(), pinning, loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100), cpuStealShare: steal },
      settings: {
        ...target,
        runs: args.runs,
        clients: args.clients,
        durationSeconds: args.durationSeconds ?? null,
        warmupSeconds: args.warmupSeconds ?? null,
        connections: args.connections ?? null,
        startedCluster,
      },
      ...output,
    };
    const dir = args.out ? path.resolve(args.out) : path.join(__dirname, 'results', timestampDirName(startedAt));
    const files = writeReport(results, dir);
    printSummary(results);
    process.stdout.write(`\nresults.json: ${files.json}\nreport.md:    ${files.markdown}\nreport.html:  ${files.html}\n`);
    return 0;
  } finally {
    // The cluster outlives the run: give its processes every core back.
    if (pinnedCluster) for (const server of servers) if (existsSync(`/proc/${server.pid}`)) pinProcess(server.pid, allCores());
    if (startedCluster) await stopCluster();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\n[bench] error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
