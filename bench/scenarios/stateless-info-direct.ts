import { STANDARD_LOAD, type Scenario } from './scenario';

/** The same request straight to one replica, so nginx / direct is measured inside one run. */
export const statelessInfoDirect: Scenario = {
  name: 'stateless-info-direct',
  description: 'GET /stateless/info on one replica, bypassing nginx',
  target: 'direct',
  method: 'GET',
  path: '/api/v1/stateless/info',
  defaults: STANDARD_LOAD,
};
