import { STANDARD_LOAD, type Scenario } from './scenario';

export const statefulSessionRead: Scenario = {
  name: 'stateful-session-read',
  description: 'GET /stateful/sessions/current: read a Redis-backed session',
  target: 'main',
  method: 'GET',
  path: '/api/v1/stateful/sessions/current',
  session: 'stateful',
  defaults: STANDARD_LOAD,
};
