import { STANDARD_LOAD, type Scenario } from './scenario';

/** The framework's own ceiling: bench/baseline-server.ts, bare Express 5, same machine, same run. */
export const baseline: Scenario = {
  name: 'baseline',
  description: 'bare Express 5 hello-world started by the harness (the framework ceiling)',
  target: 'baseline',
  method: 'GET',
  path: '/',
  defaults: STANDARD_LOAD,
};
