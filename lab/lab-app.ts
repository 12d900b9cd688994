import { timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { LabService } from './lab-service';
import { LAB_API_PREFIX, ROUTE_FAMILIES } from './lab-types';
import { WORKSHEETS } from './worksheets';
import { ACTIONS } from '../cluster/control';
import { AppError } from '../src/errors/app-error';
import { errorHandler, notFoundHandler } from '../src/errors/error-middleware';

export interface LabAppDeps {
  service: LabService;
  token: string;
  logger: Logger;
  /** Open event streams allowed per client address, and in all (lab-config.ts). */
  streams: { perClient: number; max: number };
}

const families = z.enum(ROUTE_FAMILIES);
const clientIds = z.array(z.string().regex(/^client-\d{1,2}$/)).max(16).optional();
const trafficBody = z.strictObject({ family: families, count: z.number().int().min(1).max(2000), rate: z.number().int().min(1).max(200), clients: clientIds });
const sessionsBody = z.strictObject({ clients: clientIds });
const raceBody = z.strictObject({ k: z.number().int().min(2).max(500), via: z.enum(['ip_hash', 'round_robin']).optional() });
const actionBody = z.strictObject({
  action: z.enum([...ACTIONS, 'rolling-restart']),
  // Names look like the topology's (app-2, redis); anything else is refused before a lookup.
  target: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a component name such as app-2 or redis').optional(),
}).refine((b) => b.action === 'rolling-restart' || b.target !== undefined, { message: 'target is required', path: ['target'] });
const metricsQuery = z.object({ window: z.coerce.number().int().min(60).max(3600).default(300) });
const labParams = z.object({ id: z.coerce.number().int().min(1).max(99) });

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Methods that read only: the one kind of request allowed without the token. */
const READ_ONLY = new Set(['GET', 'HEAD']);

/**
 * Every request that is not a read (any POST, and whatever PUT, DELETE, PATCH, OPTIONS … a
 * future route or Express itself would answer) needs the token the launcher printed in the lab
 * URL, and must come from the page's own origin: a page on another site cannot make a student's
 * browser press the buttons (it could not read the token, and Origin gives it away). Tools
 * without an Origin header (curl, the CLI) need only the token.
 */
function labGuard(token: string): RequestHandler {
  return (req, _res, next) => {
    if (READ_ONLY.has(req.method)) return next();
    const given = req.get('x-lab-token');
    if (!given) return next(new AppError('LAB_TOKEN_REQUIRED'));
    if (!sameToken(given, token)) return next(new AppError('LAB_FORBIDDEN', 'Wrong lab token'));
    const origin = req.get('origin');
    const fetchSite = req.get('sec-fetch-site');
    if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') return next(new AppError('LAB_FORBIDDEN', 'Cross-site request refused'));
    if (origin && origin !== 'null') {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        host = undefined;
      }
      if (host !== req.get('host')) return next(new AppError('LAB_FORBIDDEN', `Request from another origin (${origin}) refused`));
    } else if (origin === 'null') return next(new AppError('LAB_FORBIDDEN', 'Request from an opaque origin refused'));
    next();
  };
}

/** The lab controller's HTTP API (contract: lab/lab-types.ts). Never listens: lab-server.ts does. */
export function createLabApp({ service, token, logger, streams }: LabAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // nginx on the same machine is the one proxy in front: req.ip is the browser's address.
  app.set('trust proxy', 'loopback');
  const api = express.Router();
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  api.use(labGuard(token));
  api.use(express.json({ limit: '8kb' }));

  api.get('/health', (_req, res) => {
    res.json({ status: 'ok', subscribers: service.hub.size });
  });
  api.get('/state', (_req, res) => {
    res.json(service.state());
  });
  api.get('/events', (req, res) => {
    // A stream holds a socket and a buffer for as long as it is open: bounded per address and in all.
    const client = req.ip ?? 'unknown';
    if (service.hub.size >= streams.max) throw new AppError('LAB_STREAMS_FULL');
    if (service.hub.sizeOf(client) >= streams.perClient) throw new AppError('LAB_STREAMS_PER_CLIENT');
    service.hub.subscribe(res, { type: 'hello', at: Date.now(), state: service.state() }, client);
    req.on('close', () => res.end());
  });
  api.get('/metrics', async (req, res) => {
    const { window } = metricsQuery.parse(req.query);
    res.json(await service.metrics(window));
  });
  api.get('/labs', (_req, res) => {
    res.json({ worksheets: WORKSHEETS });
  });
  api.get('/labs/:id/check', (req, res) => {
    res.json(service.check(labParams.parse(req.params).id));
  });

  api.post('/traffic', (req, res) => {
    res.status(202).json(service.startTraffic(trafficBody.parse(req.body ?? {})));
  });
  api.post('/traffic/stop', (_req, res) => {
    res.json({ stopped: service.stopTraffic() });
  });
  api.post('/sessions', async (req, res) => {
    res.status(201).json({ sessions: await service.createSessions(sessionsBody.parse(req.body ?? {}).clients) });
  });
  api.post('/sessions/read', async (req, res) => {
    res.json({ sessions: await service.readSessions(sessionsBody.parse(req.body ?? {}).clients) });
  });
  api.post('/race', async (req, res) => {
    res.json(await service.race(raceBody.parse(req.body ?? {})));
  });
  api.post('/actions', async (req, res) => {
    res.json(await service.act(actionBody.parse(req.body ?? {})));
  });
  api.post('/reset', (_req, res) => {
    service.reset();
    res.json({ cleared: true });
  });
  // Each lesson view's own endpoints (lab/lessons/): behind the same token guard as the rest.
  for (const [slug, runtime] of service.lessons) if (runtime.router) api.use(`/lessons/${slug}`, runtime.router);

  app.use(LAB_API_PREFIX, api);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
