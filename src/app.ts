import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppDeps } from './app-deps';
import { AppError } from './errors/app-error';
import { errorHandler, notFoundHandler } from './errors/error-middleware';
import { adminRouter } from './features/admin/admin.routes';
import { auditLog } from './features/audit/audit-log';
import { authRouter } from './features/auth/auth.routes';
import { loginSessions } from './features/auth/login-sessions';
import { limitsRouter } from './features/limits/limits.routes';
import { idempotency } from './features/idempotency/idempotency.middleware';
import { createMemoryBackend } from './features/local/memory-backend';
import { opsRouter } from './features/ops/ops.routes';
import { statelessRouter } from './features/stateless/stateless.routes';
import { createRedisBackend } from './features/stateful/redis-backend';
import { sessionCreationLimit } from './features/stateful/session-creation-limit';
import { sessionRouter } from './features/stateful/stateful.routes';
import { requestObserver } from './http/request-observer';

/**
 * The body rules in one middleware: 415 for a request body that is not JSON (body-less POSTs —
 * create session, counters — pass), then express.json with the body limit. One router layer, not
 * two: Express 5 pays for every layer a request walks (docs/benchmarking.md).
 */
function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit });
  return (req, res, next) => {
    if (req.headers['content-length'] !== '0' && (req.headers['content-length'] || req.headers['transfer-encoding'])) {
      if (!req.is('application/json')) {
        next(new AppError('UNSUPPORTED_MEDIA_TYPE'));
        return;
      }
    }
    parse(req, res, next);
  };
}

/** Builds the Express app. It never listens: src/server.ts does, and tests use supertest. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Responses are live data (timestamps, counters, replica ids): ETags would only cost hashing.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);

  app.use(requestObserver({ logger, metrics, instanceId: config.instanceId }));
  app.use(
    // An API answers JSON, never HTML: the OWASP REST headers (no-sniff, deny framing, a CSP that
    // allows nothing, no referrer) are the ones that matter. The rest of helmet's defaults guard
    // documents, and every byte of them is paid on every response — and again by the load
    // generator parsing it. nginx adds HSTS when it terminates TLS.
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginEmbedderPolicy: false,
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: false,
      originAgentCluster: false,
      strictTransportSecurity: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xFrameOptions: { action: 'deny' },
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
  );
  app.use(jsonBody(config.bodyLimit));

  app.use('/api/v1/stateless', statelessRouter(deps));
  const audit = auditLog(deps.pool, config.instanceId, config.dependencyTimeoutMs, logger);
  app.use('/api/v1/stateful', sessionRouter(createRedisBackend(config, deps.redis), deps, audit, sessionCreationLimit(deps, { failOpen: false }), idempotency(deps)));
  app.use('/api/v1/local', sessionRouter(createMemoryBackend(config), deps, audit, sessionCreationLimit(deps, { failOpen: true })));
  // Lessons of issue 10: logging out, rate limits, the admin API.
  const logins = loginSessions(config, deps.redis);
  app.use('/api/v1/auth', authRouter(deps, logins, audit));
  app.use('/api/v1/limits', limitsRouter(deps));
  app.use('/api/v1/admin', adminRouter(deps, logins, audit));
  // Last, because it is mounted on `/`: mounted first, every API request would enter it and try
  // its three routes before reaching its own router. Probes are a few a second; the API is all
  // the rest. Its paths (/health, /ready, /metrics) overlap no other router, so order changes
  // nothing else.
  app.use(opsRouter(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
