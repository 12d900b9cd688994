import { STANDARD_LOAD, type Scenario } from './scenario';

export const statelessProducts: Scenario = {
  name: 'stateless-products',
  description: 'GET /stateless/products?limit=20: one PostgreSQL read per request',
  target: 'main',
  method: 'GET',
  path: '/api/v1/stateless/products?limit=20',
  defaults: STANDARD_LOAD,
};
