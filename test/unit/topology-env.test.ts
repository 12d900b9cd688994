// topologyEnv is loadTopology's inverse (scripts/lib/topology.mjs): a tool that starts another
// tool (the lab starts the bench) hands it the environment of exactly the cluster it runs against.
import path from 'node:path';
import { loadTopology, portBlockEnv, REPO_ROOT, topologyEnv } from '../../cluster/topology';

describe('topologyEnv', () => {
  it('when the defaults are read back, then they give the same topology', () => {
    const topology = loadTopology({});
    expect(loadTopology(topologyEnv(topology))).toEqual(topology);
  });

  it('when every setting is moved (a port block, Sentinel mode, another directory, outside services, rate limits), then they round-trip', () => {
    const topology = loadTopology({
      ...portBlockEnv(28_000),
      REPLICAS: '5',
      REDIS_MODE: 'sentinel',
      CLUSTER_DIR: '.cluster-test',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/test',
      NGINX_RATE_LIMIT_RPS: '0',
      NGINX_RATE_LIMIT_BURST: '7',
    });
    const env = topologyEnv(topology);
    expect(loadTopology(env)).toEqual(topology);
    expect(env).toMatchObject({ REPLICAS: '5', APP_BASE_PORT: '28001', NGINX_PORT: '28080', SENTINEL_PORT: '28075', REDIS_MODE: 'sentinel', CLUSTER_DIR: path.join(REPO_ROOT, '.cluster-test'), REDIS_URL: '' });
  });

  it("when laid over a caller's own environment, then none of the caller's topology variables survives", () => {
    const topology = loadTopology(portBlockEnv(30_000));
    const caller = { NGINX_PORT: '9999', REPLICAS: '7', REDIS_URL: 'redis://elsewhere:6379', CLUSTER_DIR: '/somewhere/else', PATH: '/usr/bin' };
    const merged = { ...caller, ...topologyEnv(topology) };
    expect(loadTopology(merged)).toEqual(topology);
    expect(merged.PATH).toBe('/usr/bin');
  });

  it('when the replicas could not have come from an environment, then it refuses rather than describe another cluster', () => {
    const topology = loadTopology({});
    const odd = { ...topology, replicas: [topology.replicas[0]!, { ...topology.replicas[1]!, port: 4000 }] };
    expect(() => topologyEnv(odd)).toThrow(/consecutive/);
  });
});
