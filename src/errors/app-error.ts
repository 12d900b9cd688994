import catalogue from './error-catalogue.json';

/**
 * The one catalogue of error codes, kept as data in error-catalogue.json because nginx's own error
 * pages are rendered from it too (scripts/lib/render-config.mjs). Every error a client can see has
 * a stable code there and an HTTP status; the terminal error middleware turns anything else into
 * INTERNAL without details. `ErrorCode` is the union of the file's keys, so a code that is not in
 * it does not compile.
 */
export const errorCatalogue: { readonly [C in keyof typeof catalogue.codes]: { readonly status: number; readonly message: string } } =
  catalogue.codes;

export type ErrorCode = keyof typeof errorCatalogue;

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string = errorCatalogue[code].message,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = errorCatalogue[code].status;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorBody(error: AppError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return body;
}
