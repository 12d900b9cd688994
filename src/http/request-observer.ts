import { performance } from 'node:perf_hooks';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Metrics, RouteKind } from '../infra/metrics';
import { requestIdFrom, routeTemplate } from './request-context';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id (X-Request-Id), set by the request observer before any route runs. */
    id: string;
  }
}

/**
 * The one middleware that watches every request: it stamps the replica and request id on the
 * response, and when the response is over it records the HTTP counter and histogram (by route
 * template, never raw path) and writes ONE JSON log line.
 *
 * Teaching note: this replaced pino-http plus a separate metrics middleware. Both did the same
 * thing twice — a listener on every response, a clock read, a route lookup — and pino-http also
 * built a child logger and ran serializers per request. The CPU profile in docs/benchmarking.md
 * shows what that cost; one `close` hook doing both jobs is the cheaper equivalent.
 */
export function requestObserver(deps: { logger: Logger; metrics: Metrics; instanceId: string }): RequestHandler {
  const { logger, metrics, instanceId } = deps;
  return (req, res, next) => {
    const start = performance.now();
    const id = requestIdFrom(req.headers['x-request-id']);
    req.id = id;
    res.setHeader('X-Instance-Id', instanceId);
    res.setHeader('X-Request-Id', id);
    // `close` fires once per response, after `finish` when it was sent in full and alone when the
    // client went away first: one hook sees every request exactly once. `on`, not `once`: the
    // event cannot fire twice, and `once` would wrap the hook in one more closure per request.
    res.on('close', () => {
      const responseTime = performance.now() - start;
      const route = routeTemplate(req, res);
      const kind = (res.locals.kind as RouteKind | undefined) ?? 'other';
      const statusCode = res.statusCode;
      const completed = res.writableFinished;
      if (completed) {
        const labels = { method: req.method, route: route ?? 'unmatched', status: String(statusCode), kind };
        metrics.httpRequests.inc(labels);
        metrics.httpDuration.observe(labels, responseTime / 1000);
      }
      // Only these fields: never headers (cookies), never bodies (message texts).
      const line = {
        req: { id, method: req.method, url: req.originalUrl },
        res: { statusCode, route, kind },
        responseTime,
      };
      if (!completed) logger.warn({ ...line, aborted: true }, 'request aborted');
      else if (statusCode >= 500) logger.error(line, 'request errored');
      else if (statusCode >= 400) logger.warn(line, 'request completed');
      else logger.info(line, 'request completed');
    });
    next();
  };
}
