import pino, { type Logger } from 'pino';

/**
 * JSON lines on stdout. Redaction is a second fence: request logging already never includes
 * headers or bodies, so cookies, secrets and message texts stay out of the logs.
 */
export function createLogger(options: { level: string; instanceId: string }): Logger {
  return pino({
    level: options.level,
    base: { instance: options.instanceId, pid: process.pid },
    redact: { paths: ['req.headers', 'res.headers', '*.cookie', '*.password', '*.secret'], remove: true },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
