import { fork } from 'node:child_process';
import path from 'node:path';
import replicaRuntime from '../scripts/lib/replica-runtime.json';

export interface BaselineServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Forks bench/baseline-server.ts (through tsx) and resolves once it listens. It runs with the
 * replicas' V8 flags and allocator setting: the ratio is to price the middleware, not a different heap.
 */
export function startBaselineServer(timeoutMs = 15_000): Promise<BaselineServer> {
  const child = fork(path.join(__dirname, 'baseline-server.ts'), [], {
    execArgv: [...replicaRuntime.nodeFlags, '--import', 'tsx'],
    env: { ...process.env, ...replicaRuntime.env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error('the baseline server did not start within 15 s'));
    }, timeoutMs);
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${String(message.port)}`, pid: child.pid!, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the baseline server exited with code ${String(code)} before listening`));
    });
  });
}
