// Lesson 8: state has a price. The bench harness itself (bench/cli.ts), run from the page against
// this cluster: a stateless request against a Redis session read (and write), the ratio measured
// inside each run, and the answer in one sentence. The runner and the routes are lab/bench-runs/.
import path from 'node:path';
import { BENCH_LESSON, type BenchFinished, type BenchReading, type BenchSnapshot, type BenchStarted } from './08-state-has-a-price.contract';
import { part } from './check-kit';
import type { Lesson } from './lesson';
import { fmt } from '../../bench/report/format';
import { SCENARIOS } from '../../bench/scenarios';
import { REPO_ROOT } from '../../cluster/topology';
import { stateRatio } from '../bench-runs/bench-results';
import { benchRouter } from '../bench-runs/bench-routes';
import { benchEnvironment, BenchRunner, commandPrefix, launchBenchCli } from '../bench-runs/bench-runner';
import type { LabHistory } from '../lab-history';
import type { CheckPart } from '../lab-types';

const STATEFUL = ['stateful-session-read', 'stateful-session-write'];

/** A run that can answer the lesson: stateless-info and a session read or write, side by side. */
const comparesState = (scenarios: readonly string[]) => scenarios.includes('stateless-info') && scenarios.some((s) => STATEFUL.includes(s));

const NOT_RUN = 'no benchmark of stateless-info against stateful-session-read or -write yet — choose "What state costs" in The benchmark';

function finishedComparisons(history: LabHistory) {
  return history.lessonEventsOf<BenchFinished>(BENCH_LESSON, 'finished').filter((e) => comparesState(e.data.scenarios));
}

/** The finished, successful comparisons that measured a state ratio, oldest first. */
function measured(history: LabHistory) {
  return finishedComparisons(history).flatMap((e) => {
    const ratio = e.data.ok ? stateRatio(e.data.ratios) : undefined;
    return ratio ? [{ finished: e.data, ratio }] : [];
  });
}

const ratioText = (r: { summary: { median: number | null; min: number | null; max: number | null }; perRun: number[] }) =>
  `${fmt(r.summary.median, 2)} (${fmt(r.summary.min, 2)}–${fmt(r.summary.max, 2)}, ${r.perRun.length} run${r.perRun.length === 1 ? '' : 's'})`;

function measuredParts(history: LabHistory): CheckPart[] {
  const finished = finishedComparisons(history);
  const good = finished.filter((e) => e.data.ok).at(-1)?.data;
  const failed = finished.filter((e) => !e.data.ok).at(-1)?.data;
  const ratio = good ? stateRatio(good.ratios) : undefined;
  const suspect = (good?.summary?.scenarios ?? []).filter((s) => s.errors > 0 || s.non2xx > 0);
  return [
    part(
      'a finished run of the comparison',
      Boolean(good),
      good ? `run ${good.runId}: ${good.scenarios.join(', ')}` : failed ? `the last one failed: ${failed.error ?? 'no reason given'} — run it again` : `${NOT_RUN}, press Run benchmark and wait for it to finish`,
    ),
    part('the state ratio measured', Boolean(ratio), ratio ? `${ratio.name} = ${ratioText(ratio)}` : good ? `run ${good.runId} has no state ratio: did every scenario answer?` : 'no finished comparison to read a ratio from'),
    part(
      'every response 2xx',
      Boolean(good) && suspect.length === 0,
      !good ? 'no finished comparison yet'
      : suspect.length ? `${suspect.map((s) => `${s.name}: ${s.errors} errors, ${s.non2xx} non-2xx`).join('; ')} — the numbers are suspect; is every replica and Redis up (Cluster)? Run again`
      : `no errors and no non-2xx answers in ${good.scenarios.join(', ')}`,
    ),
  ];
}

export const lesson08: Lesson = {
  worksheet: {
    id: 8,
    slug: BENCH_LESSON,
    title: 'State has a price',
    panel: 'bench',
    views: ['bench', 'metrics'],
    summary:
      'A request that reads a session from Redis does more work than one that reads nothing: a cookie to verify, a round trip, a session to parse. Measure the price on this cluster with the bench harness itself, inside one run, and say it in one sentence with the numbers.',
    doc: 'docs/labs.md#8-state-has-a-price',
    steps: [
      {
        id: 'predict',
        title: 'Predict the price of a session read',
        text: 'In **The benchmark**, choose *What state costs* (or *A session read*). Before you run it, type into **Your prediction** the share of a stateless request\'s requests/s that a session read through Redis will serve: 1.0 is free, 0.5 is half.\n\n**Predict, then watch for:** is one Redis round trip on the same machine almost free, or does it halve the throughput?',
        check: 'bench-predicted',
        hints: [
          'The prediction goes with the run: a run started without one does not count for this step.',
          'Count what a session read adds to a request: a signed cookie to verify, a Redis GET (and an EXPIRE to keep the session alive), the session\'s JSON to parse.',
        ],
        solution: 'The benchmark → *What state costs* → Your prediction 0.7 → **Run benchmark**.',
      },
      {
        id: 'run',
        title: 'Run the comparison',
        text: 'Press **Run benchmark** (3 runs of 5 s after a 1 s warm-up take about a minute). The lab\'s own traffic pauses meanwhile. Watch the progress: the scenario, run k of n, the time left, and the requests/s of every replica as they arrive.\n\n**Watch for:** stateless requests spread over every replica (least_conn), session reads stay with one replica per client (ip_hash).',
        check: 'bench-state-measured',
        hints: [
          'One benchmark runs at a time: a second start answers 409 BENCH_RUNNING.',
          'The command beside the button runs the same benchmark from a terminal; either way the results land in bench/results/<time>/.',
          'Errors or non-2xx answers make the numbers suspect: check in Cluster that every replica and Redis are up.',
        ],
        solution: 'The benchmark → **Run benchmark** → wait for the result: the ratio stateful-read / stateless-info appears with its interval.',
      },
      {
        id: 'read',
        title: 'Read the ratio',
        text: 'When it ends, the panel answers **What does state cost?** in one sentence. Read the ratio *stateful-read / stateless-info* (its median), type it into **Your reading** and press **Check reading**. **Open report.html** for the same numbers as charts.\n\n**Watch for:** how far off was your prediction? Is the interval — slowest to fastest run — narrow enough to believe the median?',
        check: 'bench-ratio-read',
        hints: ['The median is the first number of the ratio\'s row; the interval follows it in brackets.', 'Two decimals are enough: anything inside the interval, give or take 0.05, counts.'],
        solution: 'Your reading → the median shown for stateful-read / stateless-info (say 0.64) → **Check reading**.',
      },
      {
        id: 'repeat',
        title: 'Run it again and compare',
        text: 'Run the same comparison once more. Then in **Earlier runs** choose the two as A and B and press **Compare**: the harness\'s compare (Welch\'s t-test over the runs) says whether they differ significantly.\n\n**Watch for:** on a small shared machine the same command gives different absolute numbers from one run to the next — which is why the ratio is measured inside one run, and why one run proves little.',
        check: 'bench-repeated',
        hints: ['With one run per benchmark the compare can only say "cannot tell": it needs at least 2 runs on each side.', '`npm run bench:compare -- bench/results/<A> bench/results/<B>` prints the same table.'],
        solution: 'The benchmark → **Run benchmark** again → Earlier runs → A and B → **Compare**.',
      },
    ],
  },
  checks: {
    'bench-predicted': ({ history }) => {
      const started = history.lessonEventsOf<BenchStarted>(BENCH_LESSON, 'started').filter((e) => comparesState(e.data.scenarios));
      const predicted = started.filter((e) => e.data.prediction !== null).at(-1)?.data;
      return [
        part(
          'a prediction before the run',
          Boolean(predicted),
          predicted ? `you predicted ${fmt(predicted.prediction, 2)}× before run ${predicted.runId}`
          : started.length ? 'the comparison was started without a prediction — type your guess into Your prediction, then press Run benchmark'
          : `${NOT_RUN}, type your guess into Your prediction and press Run benchmark`,
        ),
      ];
    },
    'bench-state-measured': ({ history }) => measuredParts(history),
    'bench-ratio-read': ({ history }) => {
      const readings = history.lessonEventsOf<BenchReading>(BENCH_LESSON, 'reading');
      const close = readings.filter((e) => e.data.close).at(-1)?.data;
      const last = readings.at(-1)?.data;
      const prediction = history.lessonEventsOf<BenchStarted>(BENCH_LESSON, 'started').find((e) => e.data.runId === close?.runId)?.data.prediction ?? null;
      const off = close && prediction !== null ? `; you predicted ${fmt(prediction, 2)}×, ${fmt(Math.abs(prediction / close.measured.median - 1) * 100)} % ${prediction > close.measured.median ? 'too high' : 'too low'}` : '';
      return [
        part(
          'your reading matches the measurement',
          Boolean(close),
          close ? `you read ${fmt(close.value, 2)}; run ${close.runId} measured ${close.ratio} = ${fmt(close.measured.median, 2)} (${fmt(close.measured.min, 2)}–${fmt(close.measured.max, 2)})${off}`
          : last ? `you read ${fmt(last.value, 2)}, but run ${last.runId} measured ${fmt(last.measured.median, 2)} (${fmt(last.measured.min, 2)}–${fmt(last.measured.max, 2)}): read the ratio the panel shows and try again`
          : 'no reading yet — after a run, type the ratio the panel shows into Your reading and press Check reading',
        ),
      ];
    },
    'bench-repeated': ({ history }) => {
      const runs = measured(history);
      const latest = runs.at(-1);
      const earlier = latest && runs.filter((r) => r.ratio.name === latest.ratio.name && r.finished.runId !== latest.finished.runId).at(-1);
      const [a, b] = [earlier?.ratio.summary.median ?? null, latest?.ratio.summary.median ?? null];
      return [
        part(
          'the comparison run twice',
          Boolean(earlier),
          earlier && latest && a !== null && b !== null
            ? `${latest.ratio.name}: ${fmt(a, 2)} (run ${earlier.finished.runId}), then ${fmt(b, 2)} (run ${latest.finished.runId}), ${fmt(Math.abs(b / a - 1) * 100)} % apart — compare them in Earlier runs`
            : latest ? `one finished run of the comparison so far (${latest.ratio.name} = ${ratioText(latest.ratio)}) — run it again, then compare the two in Earlier runs`
            : `${NOT_RUN}, run it twice`,
        ),
      ];
    },
  },
  start(ctx) {
    const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
    const prefix = commandPrefix(ctx.cluster.topology);
    const runner = new BenchRunner({
      resultsDir,
      env: benchEnvironment(ctx.cluster.topology),
      commandPrefix: prefix,
      launch: launchBenchCli,
      publish: ctx.publish,
      pauseTraffic: ctx.pauseTraffic,
      logger: ctx.logger,
    });
    return {
      router: benchRouter({ runner, resultsDir, publishReading: (reading) => ctx.publish('reading', reading) }),
      snapshot: (): BenchSnapshot => ({ ...runner.snapshot(), scenarios: SCENARIOS.map(({ name, description }) => ({ name, description })), commandPrefix: prefix }),
      stop: () => runner.stop('the lab is stopping'),
    };
  },
};
