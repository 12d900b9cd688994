import { STANDARD_LOAD, type Scenario } from './scenario';

export const statelessCalculate: Scenario = {
  name: 'stateless-calculate',
  description: 'POST /stateless/calculate: JSON body parsed and validated, no state',
  target: 'main',
  method: 'POST',
  path: '/api/v1/stateless/calculate',
  body: { operation: 'add', operands: [1, 2] },
  defaults: STANDARD_LOAD,
};
