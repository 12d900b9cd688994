// What a scenario is: one request shape with its own pinned load parameters. Pinned means a
// result can always be reproduced from the scenario name and the command line (STYLE.md #10).

/** Which server a scenario measures. */
export type ScenarioTarget =
  /** the target under test (nginx by default, or whatever `--target` / `--direct` selects) */
  | 'main'
  /** always one replica directly, to compute the nginx / direct ratio in the same run */
  | 'direct'
  /** the bare Express 5 hello-world the harness starts itself */
  | 'baseline';

export interface LoadParameters {
  connections: number;
  pipelining: number;
  durationSeconds: number;
  /** Load sent before the measurement and discarded: JIT, connection pools and caches warm up. */
  warmupSeconds: number;
}

export interface Scenario {
  name: string;
  /** One line a student understands. */
  description: string;
  target: ScenarioTarget;
  method: 'GET' | 'POST';
  /** Path and query, appended to the target's base URL. */
  path: string;
  /** JSON body, sent with `Content-Type: application/json`. */
  body?: unknown;
  /** Session namespace: each simulated client creates a session there first and sends its cookie. */
  session?: 'stateful' | 'local';
  /** Counter scenarios: fresh sessions before the measurement, then requests acknowledged vs final value. */
  counter?: 'naive' | 'atomic';
  defaults: LoadParameters;
}

/** The parameters most scenarios use: 50 connections as in docs/benchmarking.md's baseline table. */
export const STANDARD_LOAD: LoadParameters = {
  connections: 50,
  pipelining: 1,
  durationSeconds: 10,
  warmupSeconds: 2,
};
