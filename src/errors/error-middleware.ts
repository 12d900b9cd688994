import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { AppError, errorBody } from './app-error';

/**
 * Errors thrown by body-parser carry a `type` and a status; map the ones a client causes to our
 * codes. A body that fails to inflate (a `Content-Encoding: gzip` header on plain JSON) comes out
 * of zlib with a 400 status but no `type`: it is the client's fault, not an INTERNAL.
 */
function fromBodyParser(err: { type?: unknown; status?: unknown; expose?: unknown }): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('INVALID_JSON');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_ENCODING');
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE');
    case 'request.aborted':
    case 'request.size.invalid':
      return new AppError('BAD_REQUEST');
    default:
      if (err.type === undefined && err.status === 400 && err.expose === true) return new AppError('INVALID_BODY_ENCODING');
      return undefined;
  }
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) {
    return new AppError('VALIDATION_FAILED', undefined, err.issues.map((i) => ({
      path: i.path.join('.'),
      message: i.message,
    })));
  }
  if (typeof err === 'object' && err !== null) {
    const mapped = fromBodyParser(err as { type?: unknown; status?: unknown; expose?: unknown });
    if (mapped) return mapped;
  }
  return new AppError('INTERNAL', undefined, undefined, { cause: err });
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new AppError('NOT_FOUND'));
};

/** The terminal error middleware: every error leaves as the JSON error shape, never a stack. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    const appError = toAppError(err);
    if (appError.status >= 500) {
      const cause = appError.code === 'INTERNAL' ? err : appError.cause;
      logger.error({ err: cause, code: appError.code, requestId: req.id }, appError.message);
    }
    if (res.headersSent) {
      // The status line is gone; the only honest thing left is to cut the response short.
      next(err);
      return;
    }
    res.status(appError.status).json(errorBody(appError));
  };
}
