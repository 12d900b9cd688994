import { STANDARD_LOAD, type Scenario } from './scenario';

export const statelessInfo: Scenario = {
  name: 'stateless-info',
  description: 'GET /stateless/info: no state, the full middleware stack, tiny JSON',
  target: 'main',
  method: 'GET',
  path: '/api/v1/stateless/info',
  defaults: STANDARD_LOAD,
};
