/**
 * The one catalogue of error codes. Every error a client can see has a stable code here and an
 * HTTP status; the terminal error middleware turns anything else into INTERNAL without details.
 */
export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid' },
  BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  INVALID_BODY_ENCODING: { status: 400, message: 'The request body does not match its Content-Encoding' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  DIVISION_BY_ZERO: { status: 400, message: 'Division by zero' },
  RESULT_NOT_FINITE: { status: 400, message: 'The result is not a finite number' },
  NO_SESSION: { status: 401, message: 'No session: create one with POST …/sessions first' },
  INVALID_CREDENTIALS: { status: 401, message: 'Unknown email or wrong password' },
  NOT_AUTHENTICATED: { status: 401, message: 'Log in first: send the login cookie or a Bearer token' },
  TOKEN_INVALID: { status: 401, message: 'The token is malformed, expired or signed with an unknown key' },
  TOKEN_REVOKED: { status: 401, message: 'The token was revoked (logged out)' },
  API_KEY_INVALID: { status: 401, message: 'Missing, unknown or revoked API key' },
  API_KEY_SCOPE: { status: 403, message: 'This API key lacks the scope this route needs' },
  LAB_SWITCH_DISABLED: { status: 403, message: 'This switch turns a safeguard off and is a lab-only setting: this server runs with LAB_SWITCHES=false' },
  SESSION_NOT_FOUND: { status: 404, message: 'No such session for this client' },
  NOT_FOUND: { status: 404, message: 'No such route' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Request bodies must be application/json' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; slow down and retry' },
  LAB_STREAMS_PER_CLIENT: { status: 429, message: 'This address already holds as many lab event streams as it may; close a tab and retry' },
  UNSUPPORTED_ENCODING: { status: 415, message: 'Request bodies may be sent as identity, gzip, deflate or br only' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request line or headers are too large' },
  // --- Idempotency-Key (src/features/idempotency/, docs/api.md) ---
  IDEMPOTENCY_KEY_INVALID: { status: 400, message: 'Idempotency-Key must be one UUID (8-4-4-4-12 hex digits), optionally quoted' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, message: 'A request with this Idempotency-Key is still in progress; retry it later with the same key' },
  IDEMPOTENCY_KEY_MISMATCH: { status: 422, message: 'This Idempotency-Key was already used for a different request; use a new key for a new request' },
  // --- the lab controller (src/lab/), served under /lab/api/ ---
  LAB_TOKEN_REQUIRED: { status: 401, message: 'This lab action needs the X-Lab-Token header: open the lab URL that `npm run demo` prints' },
  LAB_FORBIDDEN: { status: 403, message: 'Wrong lab token, or a request from another origin' },
  UNKNOWN_COMPONENT: { status: 404, message: 'No such component in this cluster' },
  UNKNOWN_LAB: { status: 404, message: 'No such lab worksheet' },
  ACTION_NOT_ALLOWED: { status: 409, message: 'This action is not allowed on this component now' },
  LAB_BUSY: { status: 409, message: 'Another launcher command is changing the cluster; try again in a moment' },
  LAB_UNAVAILABLE: { status: 503, message: 'The lab controller is not running' },
  LAB_STREAMS_FULL: { status: 503, message: 'The lab controller holds as many event streams as it may; retry in a moment' },
  INTERNAL: { status: 500, message: 'Internal server error' },
  REDIS_UNAVAILABLE: { status: 503, message: 'Redis is unavailable' },
  REDIS_FULL: { status: 503, message: 'Redis is full (maxmemory) and refuses writes; nothing was evicted' },
  LOCAL_SESSIONS_FULL: { status: 503, message: 'This replica holds as many in-memory sessions as it may (LOCAL_SESSIONS_MAX); retry after some end' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'PostgreSQL is unavailable' },
  NOT_READY: { status: 503, message: 'A dependency is unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

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
