import { STANDARD_LOAD, type Scenario } from './scenario';

export const statefulSessionWrite: Scenario = {
  name: 'stateful-session-write',
  description: 'POST /stateful/conversations: append a message (PostgreSQL) and save the session (Redis)',
  target: 'main',
  method: 'POST',
  path: '/api/v1/stateful/conversations',
  body: { text: 'benchmark message' },
  session: 'stateful',
  defaults: STANDARD_LOAD,
};
