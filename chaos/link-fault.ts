// Puts the TCP fault proxy (fault-proxy.ts) on one replica's link to Redis or PostgreSQL. The
// victim replica is restarted with its REDIS_URL (or DATABASE_URL) pointing at a proxy this
// process runs, so a fault on that link reaches that replica alone — as a flaky network path
// from one machine would — while the other replicas keep their direct connections.
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import type { FaultContext } from './scenarios';
import { requireClusterState, serviceUrls } from '../cluster/state';

export type Link = 'redis' | 'postgres';

export interface AttachedLink {
  proxy: FaultProxy;
  /** Heals the link, restarts the victim on its recorded environment, closes the proxy. */
  detach(): Promise<void>;
}

export async function attachLink(ctx: Omit<FaultContext, 'proxy'>, link: Link): Promise<AttachedLink> {
  const urls = serviceUrls(requireClusterState(ctx.clusterDir));
  const real = new URL(link === 'redis' ? urls.redis : urls.database);
  const proxy = await startFaultProxy({ target: { host: real.hostname, port: Number(real.port) } });
  const viaProxy = new URL(real.toString());
  viaProxy.hostname = proxy.host;
  viaProxy.port = String(proxy.port);
  const envName = link === 'redis' ? 'REDIS_URL' : 'DATABASE_URL';
  try {
    await ctx.control.act(ctx.clusterDir, ctx.victim, 'stop');
    await ctx.control.act(ctx.clusterDir, ctx.victim, 'start', { env: { [envName]: viaProxy.toString() } });
  } catch (err) {
    await proxy.close();
    throw err;
  }
  ctx.log(`${ctx.victim} now reaches ${link} through the fault proxy (${proxy.host}:${proxy.port} → ${real.host})`);
  return {
    proxy,
    async detach() {
      proxy.setMode({ kind: 'pass' });
      // Stopped while the proxy still passes bytes: the graceful shutdown closes its connections.
      await ctx.control.act(ctx.clusterDir, ctx.victim, 'stop');
      await ctx.control.act(ctx.clusterDir, ctx.victim, 'start');
      await proxy.close();
      ctx.log(`${ctx.victim} restarted with its direct ${link} connection`);
    },
  };
}
