import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import type { Config } from '../config/config';
import { AppError, errorBody, type ErrorCode } from '../errors/app-error';

/** Node's HTTP parser errors (llhttp codes) that have a more precise answer than 400. */
function codeFor(err: NodeJS.ErrnoException): ErrorCode {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'HEADERS_TOO_LARGE';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'PAYLOAD_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    default:
      return 'BAD_REQUEST';
  }
}

/**
 * A request Node's parser rejects never reaches Express: node:http answers it from `clientError`
 * with a bare status line (a 60 KB query string gets `431` and an empty body). This answers the
 * same statuses in the API's JSON error shape, then closes the connection, since the parser
 * cannot continue on it.
 */
export function answerClientError(instanceId: string) {
  return (err: NodeJS.ErrnoException, socket: Duplex): void => {
    // Node's own default makes the same checks: a reset socket cannot be written, and a response
    // already under way on it must not get a second status line.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const error = new AppError(codeFor(err));
    const body = JSON.stringify(errorBody(error));
    socket.end(
      `HTTP/1.1 ${error.status} ${error.code}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Instance-Id: ${instanceId}\r\n` +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  };
}

/**
 * The replica's HTTP server: the app, the timeouts that bound slow clients, and JSON answers to
 * parser errors. src/server.ts listens on it; tests use it to meet the same limits.
 */
export function createHttpServer(app: Express, config: Config): Server {
  const server = createServer(
    {
      // Longer than nginx's upstream keepalive_timeout: if Node closed an idle connection first,
      // nginx could send a request down a socket that is closing and answer 502.
      keepAliveTimeout: config.keepAliveTimeoutMs,
      headersTimeout: Math.min(config.keepAliveTimeoutMs + 1000, config.requestTimeoutMs),
      // A client that trickles its headers or body (slowloris) is cut off after this, with a 408.
      requestTimeout: config.requestTimeoutMs,
      // How often Node checks the two timeouts above (default 30 s would let a short timeout run long).
      connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs),
    },
    app,
  );
  server.on('clientError', answerClientError(config.instanceId));
  return server;
}
