import { setTimeout as sleep } from 'node:timers/promises';
import { Router } from 'express';
import type { AppDeps } from '../../app-deps';
import { guardDatabase } from '../../infra/dependency-guard';
import { kind } from '../../http/request-context';
import {
  calculateBody,
  delayQuery,
  hashQuery,
  productsQuery,
  randomQuery,
} from './stateless.schemas';
import { calculate, iteratedSha256, randomIntegers } from './stateless.service';

/**
 * Teaching note: nothing here reads or writes server-side state (products are read from
 * PostgreSQL, which every replica shares). Any replica can answer any request, which is why nginx
 * may balance these with `least_conn` and no affinity at all.
 */
/** How long a shared cache may serve the product catalogue: short, stock numbers change. */
export const PRODUCTS_MAX_AGE_SECONDS = 5;

export function statelessRouter({ config, prisma, version }: AppDeps): Router {
  const router = Router();
  router.use(kind('stateless'));
  const instance = config.instanceId;
  const startedAt = Date.now();

  router.get('/info', (_req, res) => {
    res.json({
      instance,
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      version,
      node: process.version,
      timestamp: new Date().toISOString(),
    });
  });

  router.post('/calculate', (req, res) => {
    const { operation, operands } = calculateBody.parse(req.body);
    res.json({ operation, operands, result: calculate(operation, operands), instance });
  });

  router.get('/random', (req, res) => {
    const { min, max, count } = randomQuery.parse(req.query);
    res.json({ values: randomIntegers(min, max, count), instance });
  });

  router.get('/hash', (req, res) => {
    const { input, rounds } = hashQuery.parse(req.query);
    res.json({ digest: iteratedSha256(input, rounds), rounds, instance });
  });

  router.get('/products', async (req, res) => {
    const { limit, cursor } = productsQuery.parse(req.query);
    const rows = await guardDatabase(
      () =>
        prisma.product.findMany({
          take: limit + 1,
          where: cursor === undefined ? undefined : { id: { gte: cursor } },
          orderBy: { id: 'asc' },
          select: { id: true, sku: true, name: true, description: true, priceCents: true, stock: true },
        }),
      config.dependencyTimeoutMs,
    );
    const items = rows.slice(0, limit);
    // Teaching note: the catalogue is the same for every caller, so a shared cache (nginx, see
    // the products location in nginx/nginx.conf.template) may keep it for a few seconds. A hit
    // is served by nginx alone: the `instance` below then names the replica that answered the
    // request that filled the cache, not one that worked for this request.
    res.setHeader('Cache-Control', `public, max-age=${PRODUCTS_MAX_AGE_SECONDS}`);
    res.json({ items, nextCursor: rows.length > limit ? rows[limit]?.id ?? null : null, instance });
  });

  // Teaching note: an I/O-bound slow request. It holds a connection open without using the CPU,
  // the situation `least_conn` is designed for; the graceful-shutdown test uses it too.
  router.get('/delay', async (req, res) => {
    const { ms } = delayQuery.parse(req.query);
    await sleep(ms);
    res.json({ delayedMs: ms, instance });
  });

  return router;
}
