import { STANDARD_LOAD, type Scenario } from './scenario';

export const statelessProducts: Scenario = {
  name: 'stateless-products',
  // nocache=1 bypasses nginx's product cache: every request reaches a replica and PostgreSQL.
  description: 'GET /stateless/products?limit=20&nocache=1: one PostgreSQL read per request',
  target: 'main',
  method: 'GET',
  path: '/api/v1/stateless/products?limit=20&nocache=1',
  defaults: STANDARD_LOAD,
};
