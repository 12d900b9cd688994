// A minimal PostgreSQL wire-protocol client (protocol 3.0, simple query, trust auth only).
// Why not `pg` or `psql`: the launcher must work before `npm ci` and on machines that have the
// server package but no client package. It only needs "does it accept connections?" and
// "CREATE DATABASE"; see https://www.postgresql.org/docs/current/protocol-flow.html
import net from 'node:net';

/** Error raised for an ErrorResponse; `code` is the SQLSTATE (e.g. 57P03 while starting up). */
export class PgError extends Error {
  constructor(fields) {
    super(fields.M ?? 'PostgreSQL error');
    this.code = fields.C;
    this.severity = fields.S;
  }
}

function startupMessage(user, database) {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(196608, 4);
  return Buffer.concat([header, params]);
}

function queryMessage(sql) {
  const body = Buffer.from(`${sql}\0`);
  const header = Buffer.alloc(5);
  header.write('Q', 0);
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

function parseErrorFields(payload) {
  const fields = {};
  let i = 0;
  while (i < payload.length && payload[i] !== 0) {
    const key = String.fromCharCode(payload[i]);
    const end = payload.indexOf(0, i + 1);
    fields[key] = payload.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return fields;
}

/**
 * Connects as `user` to `database`, runs `sql` (simple query protocol) and resolves with the
 * rows as arrays of strings (NULL as null). Rejects with PgError on a server error, or with a
 * plain Error on a socket problem, a password request or `timeoutMs`.
 */
export function pgQuery({ host = '127.0.0.1', port, user = 'postgres', database = 'postgres', sql, timeoutMs = 2_000 }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffer = Buffer.alloc(0);
    let queried = false;
    let serverError;
    const rows = [];
    const finish = (err, value) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      if (!socket.destroyed) {
        if (!err) socket.end(Buffer.from([0x58, 0, 0, 0, 4]));
        socket.destroy();
      }
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from PostgreSQL on ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(startupMessage(user, database)));
    socket.once('error', (err) => finish(err));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 5) {
        const type = String.fromCharCode(buffer[0]);
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) return;
        const payload = buffer.subarray(5, 1 + length);
        buffer = buffer.subarray(1 + length);
        if (type === 'R' && payload.readInt32BE(0) !== 0) {
          finish(new Error(`PostgreSQL on ${host}:${port} asks for a password; only trust auth is supported here`));
          return;
        }
        if (type === 'E') {
          serverError = new PgError(parseErrorFields(payload));
          if (!queried) {
            finish(serverError);
            return;
          }
        }
        if (type === 'D') {
          const count = payload.readInt16BE(0);
          const row = [];
          let offset = 2;
          for (let c = 0; c < count; c += 1) {
            const len = payload.readInt32BE(offset);
            offset += 4;
            row.push(len < 0 ? null : payload.toString('utf8', offset, offset + len));
            offset += Math.max(len, 0);
          }
          rows.push(row);
        }
        if (type === 'Z') {
          if (!queried) {
            queried = true;
            socket.write(queryMessage(sql));
          } else if (serverError) {
            finish(serverError);
            return;
          } else {
            finish(undefined, rows);
            return;
          }
        }
      }
    });
  });
}
