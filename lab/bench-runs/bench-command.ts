// The bench's command line for a benchmark asked for on the lab page: the arguments the lab gives
// `bench/cli.ts`, and the same as a terminal command. Pure (no Node imports): the page builds its
// preview with it, the controller the exact command it runs.
import type { BenchRequest } from '../lessons/08-state-has-a-price.contract';

/**
 * `--running-cluster`: the lab's cluster is shared, the bench must never start or stop it.
 * `--pin` is never given: it would move the shared cluster's processes to other cores.
 * `runId` is the results folder (bench/results/<runId>/) and `--progress-json` the ticks the
 * panel draws; without a run id this is the preview, which leaves both out.
 */
export function benchArgs(request: Pick<BenchRequest, 'scenarios' | 'runs' | 'durationSeconds' | 'warmupSeconds'>, runId?: string): string[] {
  const args = ['--scenario', request.scenarios.join(','), '--runs', String(request.runs), '--duration', String(request.durationSeconds), '--warmup', String(request.warmupSeconds), '--running-cluster'];
  return runId ? [...args, '--out', `bench/results/${runId}`, '--progress-json'] : args;
}

/** As typed in a terminal at the repository's root (`prefix`: the cluster's topology variables, if any). */
export function benchCommand(prefix: string, args: readonly string[]): string {
  return `${prefix}npm run bench -- ${args.join(' ')}`;
}

/** scenarios × runs × (warm-up + duration): what one benchmark holds the machine for, set-up aside. */
export function plannedSeconds(request: Pick<BenchRequest, 'scenarios' | 'runs' | 'durationSeconds' | 'warmupSeconds'>): number {
  return request.scenarios.length * request.runs * (request.durationSeconds + request.warmupSeconds);
}
