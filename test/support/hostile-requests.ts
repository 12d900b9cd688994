// The hostile-request corpus: requests a careless or malicious client sends, written as raw bytes
// (most of them cannot be sent with a well-behaved HTTP client). The same corpus is sent to a
// replica (test/integration/hostile-requests.test.ts) and through nginx
// (test/e2e/hostile-requests.test.ts). Every answer must be the JSON error shape with a code and a
// status that puts the fault where it is: the client's faults are 4xx, never 500.
import net from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';

export interface RawReply {
  /** 0 when the server closed the connection without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What one side (replica or nginx) must answer: acceptable statuses and, when fixed, the code. */
export interface Expectation {
  status: number | number[];
  code?: string;
}

export interface HostileCase {
  name: string;
  /** The request, as chunks written one after another (`pauseMs` apart when given). */
  chunks: (host: string, cookie?: string) => Array<string | Buffer>;
  /** Sent with the cookie of a fresh session (POST /api/v1/stateful/sessions first). */
  session?: boolean;
  pauseMs?: number;
  replica: Expectation;
  nginx: Expectation;
}

const SOCKET_TIMEOUT_MS = 10_000;

/**
 * Sends raw bytes and reads one response. A server that neither answers nor closes within the
 * socket timeout fails the test as a hang; no duration is asserted beyond that bound.
 */
export function sendRaw(port: number, chunks: Array<string | Buffer>, pauseMs = 0, host = '127.0.0.1'): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (reply: RawReply) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(SOCKET_TIMEOUT_MS, () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(`no answer and no close within ${SOCKET_TIMEOUT_MS} ms (a hang); got ${JSON.stringify(data.toString('latin1').slice(0, 200))}`));
    });
    const tryParse = (final: boolean) => {
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        if (final) finish({ status: 0, headers: {}, body: text });
        return;
      }
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(statusLine!.split(' ')[1]);
      let body = data.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
      if (headers['transfer-encoding'] === 'chunked') {
        if (!body.toString('latin1').includes('0\r\n\r\n') && !final) return;
        const parts: Buffer[] = [];
        let rest = body;
        for (;;) {
          const lineEnd = rest.indexOf('\r\n');
          const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
          if (!(size > 0)) break;
          parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
          rest = rest.subarray(lineEnd + 4 + size);
        }
        body = Buffer.concat(parts);
      } else if (headers['content-length'] !== undefined) {
        if (body.length < Number(headers['content-length']) && !final) return;
      } else if (!final) {
        return;
      }
      finish({ status, headers, body: body.toString('utf8') });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      tryParse(false);
    });
    // A server may answer early (413) and close while we still write: EPIPE/ECONNRESET on our side
    // is then expected, and whatever arrived is the answer.
    socket.on('error', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (settled || socket.destroyed) return;
        socket.write(chunk);
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
  });
}

function post(path: string, headers: Record<string, string | number>, body: string | Buffer) {
  return (host: string, cookie?: string) => {
    const head =
      `POST ${path} HTTP/1.1\r\nHost: ${host}\r\n` +
      Object.entries({ 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...(cookie ? { Cookie: cookie } : {}), ...headers })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      'Connection: close\r\n\r\n';
    return [head, body];
  };
}

function get(path: string, extraHeaders = '', method = 'GET') {
  return (host: string, cookie?: string) => [
    `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n${cookie ? `Cookie: ${cookie}\r\n` : ''}${extraHeaders}Connection: close\r\n\r\n`,
  ];
}

/**
 * Sends one case: first, when it asks for one, a fresh session, whose cookie the case's request
 * then carries (a route behind a session answers 401 before it reads anything else).
 */
export async function sendCase(port: number, c: HostileCase, host = '127.0.0.1'): Promise<RawReply> {
  let cookie: string | undefined;
  if (c.session) {
    const created = await sendRaw(port, post('/api/v1/stateful/sessions', {}, '{}')(host), 0, host);
    cookie = created.headers['set-cookie']?.split(';')[0];
    if (created.status !== 201 || !cookie) throw new Error(`could not create a session for the case: ${created.status} ${created.body.slice(0, 200)}`);
  }
  return sendRaw(port, c.chunks(host, cookie), c.pauseMs, host);
}

const CALC = '/api/v1/stateless/calculate';
const calcJson = JSON.stringify({ operation: 'add', operands: [1, 2] });
const CONVERSATIONS = '/api/v1/stateful/conversations';
const LOGIN = '/api/v1/auth/login';
/** What every route answers for a value PostgreSQL cannot take (src/http/database-values.ts). */
const REFUSED = { status: 400, code: 'VALIDATION_FAILED' };

export const hostileCorpus: HostileCase[] = [
  // --- encodings
  {
    name: 'Content-Encoding: gzip on a body that is not gzip',
    chunks: post(CALC, { 'Content-Encoding': 'gzip' }, calcJson),
    replica: { status: 400, code: 'INVALID_BODY_ENCODING' },
    nginx: { status: 400, code: 'INVALID_BODY_ENCODING' },
  },
  {
    name: 'Content-Encoding: br on a body that is not brotli',
    chunks: post(CALC, { 'Content-Encoding': 'br' }, calcJson),
    replica: { status: 400, code: 'INVALID_BODY_ENCODING' },
    nginx: { status: 400, code: 'INVALID_BODY_ENCODING' },
  },
  {
    name: 'a Content-Encoding the replica refuses',
    chunks: post(CALC, { 'Content-Encoding': 'x-compress-9000' }, calcJson),
    replica: { status: 415, code: 'UNSUPPORTED_ENCODING' },
    nginx: { status: 415, code: 'UNSUPPORTED_ENCODING' },
  },
  {
    name: 'a gzip bomb: 16 KB on the wire, 20 MB inflated',
    chunks: post(CALC, { 'Content-Encoding': 'gzip' }, gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20))),
    replica: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
    nginx: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  },
  {
    name: 'a brotli body that is truncated',
    chunks: post(CALC, { 'Content-Encoding': 'br' }, brotliCompressSync(Buffer.from(calcJson.repeat(50))).subarray(0, 20)),
    replica: { status: 400, code: 'INVALID_BODY_ENCODING' },
    nginx: { status: 400, code: 'INVALID_BODY_ENCODING' },
  },
  {
    name: 'a body that is not JSON',
    chunks: post(CALC, { 'Content-Type': 'text/plain' }, 'operation=add'),
    replica: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    nginx: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  },
  {
    name: 'JSON that does not parse',
    chunks: post(CALC, {}, '{"operation": "add", "operands": [1, 2'),
    replica: { status: 400, code: 'INVALID_JSON' },
    nginx: { status: 400, code: 'INVALID_JSON' },
  },
  {
    name: 'a charset the replica cannot decode',
    chunks: post(CALC, { 'Content-Type': 'application/json; charset=x-martian' }, calcJson),
    replica: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    nginx: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  },
  // --- sizes
  {
    name: 'a 60 KB query string',
    chunks: get(`/api/v1/stateless/info?q=${'a'.repeat(60 * 1024)}`),
    replica: { status: 431, code: 'HEADERS_TOO_LARGE' },
    nginx: { status: 414, code: 'URI_TOO_LONG' },
  },
  {
    name: 'a 20 KB header',
    chunks: get('/api/v1/stateless/info', `X-Junk: ${'j'.repeat(20 * 1024)}\r\n`),
    replica: { status: 431, code: 'HEADERS_TOO_LARGE' },
    nginx: { status: 431, code: 'HEADERS_TOO_LARGE' },
  },
  {
    name: 'a 20 KB cookie',
    chunks: get('/api/v1/stateful/sessions/current', `Cookie: statelab.sid=${'c'.repeat(20 * 1024)}\r\n`),
    replica: { status: 431, code: 'HEADERS_TOO_LARGE' },
    nginx: { status: 431, code: 'HEADERS_TOO_LARGE' },
  },
  {
    name: 'two thousand small headers',
    chunks: get('/api/v1/stateless/info', Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('')),
    // Node counts these under its 16 KB header limit and keeps the first 2,000 (maxHeadersCount):
    // served; nginx's header buffers (4 × 8 KB) overflow first.
    replica: { status: [200, 431] },
    nginx: { status: 431, code: 'HEADERS_TOO_LARGE' },
  },
  {
    name: 'a 2 MB body',
    chunks: post(CALC, {}, `{"operation":"add","operands":[${'1,'.repeat(1024 * 1024)}1]}`),
    replica: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
    nginx: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  },
  // --- shapes
  {
    name: 'JSON nested 5,000 deep',
    chunks: post(CALC, {}, `${'['.repeat(5000)}${']'.repeat(5000)}`),
    replica: { status: 400, code: 'VALIDATION_FAILED' },
    nginx: { status: 400, code: 'VALIDATION_FAILED' },
  },
  {
    name: 'JSON nested 5,000 deep under an Idempotency-Key (the key fingerprints the body)',
    chunks: post('/api/v1/stateful/conversations', { 'Idempotency-Key': '0b4f6a52-19e8-4d7c-8a31-6c2f0e9d7b19' }, `${'['.repeat(5000)}${']'.repeat(5000)}`),
    replica: { status: 400, code: 'VALIDATION_FAILED' },
    nginx: { status: 400, code: 'VALIDATION_FAILED' },
  },
  {
    name: 'a login cookie that is not URL-encoded (%)',
    chunks: get('/api/v1/auth/me', 'Cookie: statelab.login=%\r\n'),
    replica: { status: 401, code: 'NOT_AUTHENTICATED' },
    nginx: { status: 401, code: 'NOT_AUTHENTICATED' },
  },
  {
    name: 'prototype keys (__proto__, constructor.prototype)',
    chunks: post(CALC, {}, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"operation":"add","operands":[1,2]}'),
    replica: { status: 400, code: 'VALIDATION_FAILED' },
    nginx: { status: 400, code: 'VALIDATION_FAILED' },
  },
  {
    name: 'a JSON string where an object belongs',
    chunks: post(CALC, {}, '"add"'),
    replica: { status: 400, code: 'INVALID_JSON' },
    nginx: { status: 400, code: 'INVALID_JSON' },
  },
  // --- methods
  {
    name: 'DELETE on a read-only route',
    chunks: get('/api/v1/stateless/info', '', 'DELETE'),
    replica: { status: 404, code: 'NOT_FOUND' },
    nginx: { status: 404, code: 'NOT_FOUND' },
  },
  {
    name: 'TRACE',
    chunks: get('/', '', 'TRACE'),
    replica: { status: 404, code: 'NOT_FOUND' },
    nginx: { status: 405, code: 'METHOD_NOT_ALLOWED' },
  },
  {
    name: 'POST to the static lab page',
    chunks: post('/index.html', {}, calcJson),
    replica: { status: 404, code: 'NOT_FOUND' },
    nginx: { status: 405, code: 'METHOD_NOT_ALLOWED' },
  },
  {
    name: 'a method that does not exist',
    chunks: get('/api/v1/stateless/info', '', 'BREW'),
    replica: { status: 400, code: 'BAD_REQUEST' },
    nginx: { status: 400, code: 'BAD_REQUEST' },
  },
  // --- framing
  {
    name: 'a request line that is not HTTP',
    chunks: () => ['HELLO THERE\r\n\r\n'],
    replica: { status: 400, code: 'BAD_REQUEST' },
    nginx: { status: 400, code: 'BAD_REQUEST' },
  },
  {
    name: 'a header name with a space in it',
    chunks: get('/api/v1/stateless/info', 'Bad Header: x\r\n'),
    replica: { status: 400, code: 'BAD_REQUEST' },
    nginx: { status: 400, code: 'BAD_REQUEST' },
  },
  {
    name: 'a chunked body with a chunk size that is not hex',
    chunks: (host) => [
      `POST ${CALC} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      'zz\r\n{"operation":"add"}\r\n0\r\n\r\n',
    ],
    replica: { status: 400, code: 'BAD_REQUEST' },
    nginx: { status: 400, code: 'BAD_REQUEST' },
  },
  {
    name: 'a chunk longer than its declared size',
    chunks: (host) => [
      `POST ${CALC} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      `5\r\n${calcJson}\r\n0\r\n\r\n`,
    ],
    replica: { status: 400, code: 'BAD_REQUEST' },
    nginx: { status: 400, code: 'BAD_REQUEST' },
  },
  {
    name: 'Content-Length and Transfer-Encoding together (request smuggling)',
    chunks: (host) => [
      `POST ${CALC} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      `${calcJson.length.toString(16)}\r\n${calcJson}\r\n0\r\n\r\n`,
    ],
    replica: { status: 400, code: 'BAD_REQUEST' },
    nginx: { status: 400, code: 'BAD_REQUEST' },
  },
  // --- values PostgreSQL or Prisma would refuse: a 400 at validation, never a 500 from the database.
  // JSON escapes below are written as JSON text (`\\u0000` in this file is `\u0000` on the wire).
  {
    name: 'a message with NUL in it ("a\\u0000b")',
    session: true,
    chunks: post(CONVERSATIONS, {}, '{"text":"a\\u0000b"}'),
    replica: REFUSED,
    nginx: REFUSED,
  },
  {
    name: 'a message that is a lone surrogate ("\\ud800")',
    session: true,
    chunks: post(CONVERSATIONS, {}, '{"text":"\\ud800"}'),
    replica: REFUSED,
    nginx: REFUSED,
  },
  {
    name: 'a message with a raw NUL byte inside its JSON string',
    session: true,
    chunks: post(CONVERSATIONS, {}, Buffer.from('{"text":"a\u0000b"}')),
    replica: { status: 400, code: 'INVALID_JSON' },
    nginx: { status: 400, code: 'INVALID_JSON' },
  },
  {
    name: 'a message of 501 characters (the limit is 500)',
    session: true,
    chunks: post(CONVERSATIONS, {}, JSON.stringify({ text: 'x'.repeat(501) })),
    replica: REFUSED,
    nginx: REFUSED,
  },
  {
    name: 'a history request for a session id holding NUL (%00)',
    session: true,
    chunks: get('/api/v1/stateful/sessions/a%00b/history'),
    replica: REFUSED,
    // nginx decodes the path itself and refuses a NUL in it before any replica sees it.
    nginx: { status: 400 },
  },
  {
    name: 'a login whose email holds NUL',
    chunks: post(LOGIN, {}, '{"email":"ada\\u0000@statelab.test","password":"x"}'),
    replica: REFUSED,
    nginx: REFUSED,
  },
  {
    name: 'a login whose password is a lone surrogate',
    chunks: post(LOGIN, {}, '{"email":"ada@statelab.test","password":"\\udfff"}'),
    replica: REFUSED,
    nginx: REFUSED,
  },
  {
    name: 'a login with a 300-character email',
    chunks: post(LOGIN, {}, JSON.stringify({ email: `${'a'.repeat(288)}@statelab.test`, password: 'x' })),
    replica: REFUSED,
    nginx: REFUSED,
  },
  {
    name: 'a product cursor past PostgreSQL integer (2147483648)',
    chunks: get('/api/v1/stateless/products?cursor=2147483648'),
    replica: REFUSED,
    nginx: REFUSED,
  },
  {
    name: 'a product cursor that is NUL (%00)',
    chunks: get('/api/v1/stateless/products?cursor=%00'),
    replica: REFUSED,
    nginx: REFUSED,
  },
  // --- slow clients
  {
    name: 'a slow client trickling a valid request in 20 pieces',
    chunks: (host) => {
      const whole = post(CALC, {}, calcJson)(host).join('');
      return Array.from({ length: 20 }, (_, i) => whole.slice(Math.floor((i * whole.length) / 20), Math.floor(((i + 1) * whole.length) / 20)));
    },
    pauseMs: 25,
    replica: { status: 200 },
    nginx: { status: 200 },
  },
];

/** Checks one reply against an expectation; returns what is wrong, or undefined. */
export function mismatch(reply: RawReply, expected: Expectation): string | undefined {
  const statuses = Array.isArray(expected.status) ? expected.status : [expected.status];
  if (!statuses.includes(reply.status)) return `status ${reply.status}, expected ${statuses.join('|')}; body ${reply.body.slice(0, 200)}`;
  if (!(reply.headers['content-type'] ?? '').startsWith('application/json')) return `content-type ${reply.headers['content-type']}; body ${reply.body.slice(0, 200)}`;
  let json: { error?: { code?: unknown; message?: unknown } };
  try {
    json = JSON.parse(reply.body) as typeof json;
  } catch {
    return `body is not JSON: ${reply.body.slice(0, 200)}`;
  }
  if (reply.status < 400) return undefined;
  if (typeof json.error?.code !== 'string' || typeof json.error.message !== 'string') return `no error code/message: ${reply.body.slice(0, 200)}`;
  if (expected.code !== undefined && json.error.code !== expected.code) return `code ${json.error.code}, expected ${expected.code}`;
  if (reply.body.includes('    at ')) return 'a stack trace leaked';
  return undefined;
}
