import { STANDARD_LOAD, type Scenario } from './scenario';

export const counterAtomic: Scenario = {
  name: 'counter-atomic',
  description: 'POST /stateful/counter/atomic: Redis HINCRBY (never loses an update)',
  target: 'main',
  method: 'POST',
  path: '/api/v1/stateful/counter/atomic',
  session: 'stateful',
  counter: 'atomic',
  defaults: STANDARD_LOAD,
};
