import type { Request, RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { RouteKind } from '../infra/metrics';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Uses the caller's X-Request-Id when it is safe to echo, else a fresh uuid. `crypto.randomUUID`
 * draws from a cached entropy pool: several times cheaper per id than the uuid package's v4.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * Marks a router's requests with their kind, for metrics and logs, and remembers the router's
 * mount path: Express resets `req.baseUrl` when an error leaves the router, and the route
 * template must still read `/api/v1/stateless/calculate`, not `/calculate`.
 */
export function kind(value: RouteKind): RequestHandler {
  return (req, res, next) => {
    res.locals.kind = value;
    res.locals.baseUrl = req.baseUrl;
    next();
  };
}

/** The matched route template (`/api/v1/stateful/sessions/:id`), or undefined when none matched. */
export function routeTemplate(req: Request, res: Response): string | undefined {
  if (!req.route) return undefined;
  return `${(res.locals.baseUrl as string | undefined) ?? ''}${String(req.route.path)}`;
}
