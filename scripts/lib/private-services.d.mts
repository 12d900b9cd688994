// Types of the parts of private-services.mjs the TypeScript tests use.
export interface StartedRedis {
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export function findFreePort(): Promise<number>;
export function isPortOpen(host: string, port: number, timeoutMs?: number): Promise<boolean>;
export function redisPing(port: number, host?: string, timeoutMs?: number): Promise<boolean>;
/** A private redis-server on 127.0.0.1:port with its AOF, log and pid file in `dir`. */
export function startRedis(options: { port: number; dir: string; password?: string; maxmemoryMb?: number; timeoutMs?: number }): Promise<StartedRedis>;
