import { STANDARD_LOAD, type Scenario } from './scenario';

export const localSessionRead: Scenario = {
  name: 'local-session-read',
  description: 'GET /local/sessions/current: read a session kept in the replica’s memory',
  target: 'main',
  method: 'GET',
  path: '/api/v1/local/sessions/current',
  session: 'local',
  defaults: STANDARD_LOAD,
};
