import { STANDARD_LOAD, type Scenario } from './scenario';

export const statelessProductsCached: Scenario = {
  name: 'stateless-products-cached',
  description: 'GET /stateless/products?limit=20 through nginx\'s 5 s cache: hits never reach a replica',
  target: 'main',
  method: 'GET',
  path: '/api/v1/stateless/products?limit=20',
  defaults: STANDARD_LOAD,
};
