import { STANDARD_LOAD, type Scenario } from './scenario';

/** The framework's own ceiling: bench/baseline-server.ts, bare Express 5 with the same payload, same machine, same run. */
export const baseline: Scenario = {
  name: 'baseline',
  description: 'bare Express 5 answering the stateless/info payload, started by the harness (the framework ceiling)',
  target: 'baseline',
  method: 'GET',
  path: '/api/v1/stateless/info',
  defaults: STANDARD_LOAD,
};
