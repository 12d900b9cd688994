import pino, { type Logger } from 'pino';

/**
 * JSON lines on stdout. Cookies, secrets and message texts stay out of the logs because request
 * logging serializes an allow-list of fields (see app.ts), never headers or bodies — not by
 * redaction, which would cost a path walk on every line (measured ~2 % of a request).
 */
export function createLogger(options: { level: string; instanceId: string }): Logger {
  return pino({
    level: options.level,
    base: { instance: options.instanceId, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
