// What /proc says about a process (state, CPU time, memory): the launcher's one reader
// (scripts/lib/processes.mjs), for the bench's CPU-per-response figures and the tests' diagnoses.
export { cpuSecondsWithChildren, isPidAlive, procStat, rssMiB } from '../scripts/lib/processes.mjs';
export type { ProcStat } from '../scripts/lib/processes.mjs';
