// Types of the parts of processes.mjs the TypeScript tools use (through cluster/processes.ts).
export interface ProcStat {
  /** proc(5) state letter: R running, S sleeping, T stopped by a signal, Z zombie, … */
  state: string;
  ppid: number;
  /** user + system CPU seconds of the process itself. */
  cpuSeconds: number;
}

export function procStat(pid: number): ProcStat | undefined;
export function cpuSecondsWithChildren(pid: number): number | null;
export function rssMiB(pid: number): number | null;
export function isPidAlive(pid: number): boolean;
export function isPortOpen(host: string, port: number, timeoutMs?: number): Promise<boolean>;
export function findFreePort(): Promise<number>;
export function sleep(ms: number): Promise<void>;
