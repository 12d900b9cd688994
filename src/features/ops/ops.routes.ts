import { Router } from 'express';
import type { AppDeps } from '../../app-deps';
import { AppError } from '../../errors/app-error';
import { withTimeout } from '../../infra/dependency-guard';
import { kind } from '../../http/request-context';

type CheckResult = 'up' | 'down';

async function check(probe: () => Promise<unknown>, ms: number): Promise<CheckResult> {
  try {
    await withTimeout(probe(), ms);
    return 'up';
  } catch {
    return 'down';
  }
}

/**
 * Liveness, readiness and metrics. /health says only "the process lives" (restart me if not);
 * /ready says "send me traffic" and is what balancers and orchestrators should poll.
 */
export function opsRouter({ config, redis, pool, metrics }: AppDeps): Router {
  const router = Router();
  const ops = kind('ops');

  router.get('/health', ops, (_req, res) => {
    res.json({ status: 'ok', instance: config.instanceId });
  });

  router.get('/ready', ops, async (_req, res) => {
    const ms = config.dependencyTimeoutMs;
    const [redisCheck, databaseCheck] = await Promise.all([
      check(() => redis.ping(), ms),
      // Plain SQL on purpose: a probe must not load Prisma's query compiler (infra/database.ts).
      check(() => pool.query('SELECT 1'), ms),
    ]);
    const checks = { redis: redisCheck, database: databaseCheck };
    if (redisCheck === 'up' && databaseCheck === 'up') {
      res.json({ status: 'ready', instance: config.instanceId, checks });
      return;
    }
    const code = databaseCheck === 'up' ? 'REDIS_UNAVAILABLE' : redisCheck === 'up' ? 'DATABASE_UNAVAILABLE' : 'NOT_READY';
    throw new AppError(code, `Not ready: ${Object.entries(checks).filter(([, v]) => v === 'down').map(([k]) => k).join(' and ')} down`, { checks });
  });

  router.get('/metrics', ops, async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}
