import type { Scenario } from './scenario';

/**
 * CPU-bound: 1,000 SHA-256 rounds per request. Fewer connections than the others, because each
 * request holds a replica's event loop for a while and queueing would only add latency.
 */
export const statelessHash: Scenario = {
  name: 'stateless-hash',
  description: 'GET /stateless/hash?rounds=1000: CPU-bound, no state',
  target: 'main',
  method: 'GET',
  path: '/api/v1/stateless/hash?input=statelab&rounds=1000',
  defaults: { connections: 20, pipelining: 1, durationSeconds: 10, warmupSeconds: 2 },
};
