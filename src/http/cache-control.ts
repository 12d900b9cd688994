import type { RequestHandler } from 'express';

/**
 * For routes whose answer depends on who asks (sessions, logins, admin): no shared cache — nginx,
 * a corporate proxy, a CDN — may store it, and the browser may not keep it either.
 */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'private, no-store');
  next();
};
