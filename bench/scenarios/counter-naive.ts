import { STANDARD_LOAD, type Scenario } from './scenario';

/** Teaching note: read-modify-write of the session object; concurrent requests lose increments. */
export const counterNaive: Scenario = {
  name: 'counter-naive',
  description: 'POST /stateful/counter/naive: n++ inside the session object (loses updates)',
  target: 'main',
  method: 'POST',
  path: '/api/v1/stateful/counter/naive',
  session: 'stateful',
  counter: 'naive',
  defaults: STANDARD_LOAD,
};
