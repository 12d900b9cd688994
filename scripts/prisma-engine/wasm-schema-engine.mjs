#!/usr/bin/env node
// Stands in for Prisma's native `schema-engine` binary, which the Prisma CLI downloads from a host
// we cannot reach offline. The CLI runs whatever PRISMA_SCHEMA_ENGINE_BINARY names and talks to it
// exactly as it talks to the native engine, so this script answers that protocol with the same
// engine compiled to WASM (@prisma/schema-engine-wasm) and a PostgreSQL driver adapter:
//
//   schema-engine --version
//   schema-engine --datasource '{"url":…}' cli can-connect-to-database|create-database|drop-database
//   schema-engine [--datamodels <file>]… [--datasource '{"url":…}']   (JSON-RPC 2.0, one message
//                                                                        per line on stdin/stdout)
//
// The protocol is undocumented: it was read from node_modules/prisma/build/cli.js (class that
// spawns the engine, `runCommand`, `handleResponse`, `h2e`) of prisma 7.10.1 and from the WASM
// package's schema_engine.d.ts. Keep those versions pinned; see docs/prisma-offline.md.
// stdout carries protocol messages only; every log line goes to stderr.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const pg = require('pg');
// pg's own URL parser, resolved from pg so we use the exact copy pg depends on.
const { parse: parseConnectionString } = createRequire(require.resolve('pg'))('pg-connection-string');

// adapter-pg cannot decode the catalog types the engine reads while introspecting (`"char"`,
// `name`, `int2vector`, `regproc`, `oidvector`, `pg_node_tree`, `name[]`): it throws
// "Unsupported column type". Their text form is what the engine wants, so we relabel them.
const TEXT = 25;
const TEXT_ARRAY = 1009;
const RELABELLED_TYPES = new Map([[18, TEXT], [19, TEXT], [22, TEXT], [24, TEXT], [30, TEXT], [194, TEXT], [1003, TEXT_ARRAY]]);

const openClients = new Set();

class CatalogTolerantClient extends pg.Client {
  constructor(config) {
    super(config);
    openClients.add(this);
    this.once('end', () => openClients.delete(this));
  }

  // Private pg hook (stable across pg 8.x, pinned to 8.23.1): relabelling here changes both the
  // type the adapter reports and the parser pg picks, for pooled and transaction queries alike.
  _handleRowDescription(msg) {
    for (const field of msg.fields) field.dataTypeID = RELABELLED_TYPES.get(field.dataTypeID) ?? field.dataTypeID;
    super._handleRowDescription(msg);
  }
}

function log(level, message, extraFields = {}, target = 'wasm_schema_engine_bridge') {
  // Same shape as the native engine's log lines: the CLI parses stderr as JSON per line.
  const line = { timestamp: new Date().toISOString(), level, fields: { message, ...extraFields }, target };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

const quoteIdent = (name) => `"${String(name).replaceAll('"', '""')}"`;

function connectionConfig(url) {
  if (!/^postgres(ql)?:\/\//.test(url ?? '')) {
    throw new Error('The WASM schema engine bridge supports only postgresql:// URLs (set DATABASE_URL).');
  }
  // Separate host/port/user/… fields rather than `connectionString`: adapter-pg builds the
  // shadow database config as `{ ...config, database }`, and a connectionString would win over
  // that `database`, silently running shadow work on the main database.
  const { schema, ...config } = parseConnectionString(url);
  // Prisma's default database is `postgres` (pg's would be the user name).
  config.database ||= 'postgres';
  // `?schema=` is Prisma's, not pg's. The engine reads it from the adapter, but also creates
  // tables unqualified, so the session's search_path must point there, as the native engine sets.
  if (schema) config.options = [config.options, `-c search_path=${quoteIdent(schema)}`].filter(Boolean).join(' ');
  return { config: { connectionTimeoutMillis: 10_000, ...config }, schema };
}

// The WASM glue hands a Rust panic's message to this global just before the instance traps.
let panicMessage;
globalThis.PRISMA_WASM_PANIC_REGISTRY = { set_message: (message) => { panicMessage = message; } };

async function loadWasmEngineModule() {
  // The package's entry does `import * as wasm from "./schema_engine_bg.wasm"`, which Node 20
  // only allows behind --experimental-wasm-modules, so we instantiate the module ourselves.
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glue = await import(gluePath);
  const bytes = await readFile(gluePath.replace(/\.js$/, '.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return glue;
}

async function createEngine(datamodelPaths, datasource) {
  const [glue, { PrismaPg }, { bindMigrationAwareSqlAdapterFactory }] = await Promise.all([
    loadWasmEngineModule(),
    import('@prisma/adapter-pg'),
    import('@prisma/driver-adapter-utils'),
  ]);
  const { config, schema } = connectionConfig(datasource?.url);
  // The WASM engine keeps long-lived timers and pooled connections; a short idle timeout and
  // allowExitOnIdle stop them from holding the process open for 10-60 s after the last request.
  const poolConfig = { ...config, Client: CatalogTolerantClient, idleTimeoutMillis: 500, allowExitOnIdle: true };
  const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPg(poolConfig, schema ? { schema } : undefined));
  const datamodels = await Promise.all(datamodelPaths.map(async (path) => [path, await readFile(path, 'utf8')]));
  // Some commands (`migrate diff`, `db execute`) send no --datamodels: the native engine then
  // takes the connector from the URL, but the WASM engine panics without a schema file. A
  // datasource-only schema tells it the same thing (this bridge speaks PostgreSQL only).
  if (datamodels.length === 0) datamodels.push(['schema.prisma', 'datasource db {\n  provider = "postgresql"\n}\n']);
  const forwardLog = (line) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
  return glue.SchemaEngine.new({ datamodels }, forwardLog, factory);
}

async function exitAfterClosingConnections(code) {
  // Closing politely lets PostgreSQL drop its backends at once (so a caller can DROP DATABASE
  // right after us); the race bounds the wait if the server is unresponsive.
  await Promise.race([Promise.allSettled([...openClients].map((client) => client.end())), delay(1_000)]);
  process.exit(code);
}

// ---------------------------------------------------------------- one-shot `cli` sub-commands

// The native engine's codes and wording for the failures the CLI reacts to (P1003 makes
// `migrate deploy` create the database) or shows to the user.
function toPrismaError(error, { host, port, user, database }) {
  const at = `${host}:${port || 5432}`;
  const unreachable = ['P1001', `Can't reach database server at \`${at}\``];
  const badCredentials = ['P1000', `Authentication failed against database server at \`${host}\`, the provided database credentials for \`${user}\` are not valid.`];
  const known = {
    '3D000': ['P1003', `Database \`${database}\` does not exist on the database server at \`${at}\`.`],
    '42P04': ['P1009', `Database \`${database}\` already exists on the database server at \`${at}\``],
    '42501': ['P1010', `User \`${user}\` was denied access on the database \`${database}\``],
    '28P01': badCredentials,
    '28000': badCredentials,
    ECONNREFUSED: unreachable,
    ENOTFOUND: unreachable,
    ETIMEDOUT: unreachable,
  }[error.code];
  return known ? { error_code: known[0], message: known[1] } : { message: error.message };
}

async function withClient(config, work) {
  const client = new pg.Client(config);
  try {
    await client.connect();
    await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function runCliCommand(command, datasource) {
  // The CLI drops the first stderr line before parsing the rest as JSON errors (cli.js `m2e`).
  log('INFO', `Starting schema engine CLI (WASM bridge): ${command}`);
  let config;
  try {
    ({ config } = connectionConfig(datasource?.url));
    // CREATE/DROP DATABASE cannot run inside the target database itself: use the maintenance DB.
    const maintenance = { ...config, database: 'postgres' };
    const target = quoteIdent(config.database);
    if (command === 'can-connect-to-database') await withClient(config, (c) => c.query('SELECT 1'));
    else if (command === 'create-database') await withClient(maintenance, (c) => c.query(`CREATE DATABASE ${target}`));
    else if (command === 'drop-database') await withClient(maintenance, (c) => c.query(`DROP DATABASE ${target}`));
    else throw new Error(`Unknown cli sub-command: ${command}`);
    process.exit(0);
  } catch (error) {
    const fields = config ? toPrismaError(error, config) : { message: error.message };
    log('ERROR', fields.message, fields, 'schema_engine::logger');
    process.exit(1);
  }
}

// ---------------------------------------------------------------- JSON-RPC server

// The CLI's method names; only getDatabaseVersion is called differently on the WASM engine.
const RPC_TO_WASM = {
  applyMigrations: 'applyMigrations',
  createMigration: 'createMigration',
  dbExecute: 'dbExecute',
  devDiagnostic: 'devDiagnostic',
  diagnoseMigrationHistory: 'diagnoseMigrationHistory',
  diff: 'diff',
  ensureConnectionValidity: 'ensureConnectionValidity',
  evaluateDataLoss: 'evaluateDataLoss',
  getDatabaseVersion: 'version',
  introspect: 'introspect',
  introspectSql: 'introspectSql',
  markMigrationApplied: 'markMigrationApplied',
  markMigrationRolledBack: 'markMigrationRolledBack',
  reset: 'reset',
  schemaPush: 'schemaPush',
};

function send(message) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
}

// The CLI turns `data` into its errors: `error_code` → a P-code error, `is_panic` → crash report.
function toRpcError(error) {
  const errorCode = typeof error?.code === 'string' && /^P\d{4}$/.test(error.code) ? error.code : undefined;
  return {
    code: 4466,
    message: 'An error happened. Check the data field for details.',
    data: {
      is_panic: error instanceof WebAssembly.RuntimeError,
      message: (error instanceof WebAssembly.RuntimeError && panicMessage) || (error?.message ?? String(error)),
      error_code: errorCode,
      meta: error?.meta,
    },
  };
}

let printRequestId = 0;
// The request the engine is working on (requests run one at a time), for fatalError.
let activeRequest;

// wasm-bindgen rethrows some engine failures (invalid params, Rust panics) from a microtask,
// outside the request's promise. Answer the request so the CLI shows the real message, then
// exit, because the instance's state is unknown afterwards; 101 means "panic" to the CLI, as
// with the native binary, and the ERROR line on stderr is what the CLI quotes if it gets no reply.
function fatalError(error) {
  log('ERROR', panicMessage ?? error?.message ?? String(error));
  if (activeRequest) send({ id: activeRequest.id, error: toRpcError(error) });
  activeRequest = undefined;
  exitAfterClosingConnections(panicMessage ? 101 : 1);
}

async function handleRequest(engine, request) {
  const wasmMethod = Object.hasOwn(RPC_TO_WASM, request.method) ? RPC_TO_WASM[request.method] : undefined;
  if (!wasmMethod) {
    send({ id: request.id, error: { code: -32601, message: `Method not supported by the WASM schema engine bridge: ${request.method}` } });
    return;
  }
  activeRequest = request;
  try {
    const result = await (await engine)[wasmMethod](request.params);
    // The native engine prints `migrate diff` output by sending the CLI a `print` request; the
    // WASM engine hands the same text back in `stdout` instead.
    if (wasmMethod === 'diff' && typeof result?.stdout === 'string') {
      send({ id: `print-${++printRequestId}`, method: 'print', params: { content: result.stdout } });
    }
    // A missing `result` key reads as a malformed response to the CLI, so void becomes null.
    send({ id: request.id, result: result ?? null });
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) return fatalError(error);
    send({ id: request.id, error: toRpcError(error) });
  } finally {
    activeRequest = undefined;
  }
}

function serveJsonRpc(datamodelPaths, datasource) {
  // Created on first use so a bad URL is reported as an RPC error the CLI can show.
  let engine;
  const getEngine = () => (engine ??= createEngine(datamodelPaths, datasource));
  // Requests run one at a time, in order, as the native engine does.
  let queue = Promise.resolve();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      send({ id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    // Lines without `method` are the CLI's replies to our `print` requests: nothing to do.
    if (typeof message.method !== 'string') return;
    const engineOrError = getEngine();
    engineOrError.catch(() => {}); // surfaced per request by handleRequest
    queue = queue.then(() => handleRequest(engineOrError, message));
  });
  // The CLI stops the engine by closing stdin (then sends SIGTERM): finish what is queued, exit.
  lines.on('close', () => queue.then(() => exitAfterClosingConnections(0)));
  process.once('SIGTERM', () => exitAfterClosingConnections(0));
  process.stdout.on('error', () => exitAfterClosingConnections(1));
  process.on('uncaughtException', fatalError);
}

// ---------------------------------------------------------------- entry point

const { values: options, positionals } = parseArgs({
  options: {
    version: { type: 'boolean' },
    datamodels: { type: 'string', multiple: true, default: [] },
    datasource: { type: 'string' },
    // Passed by the CLI when configured; the WASM engine takes neither, and we use neither.
    'enabled-preview-features': { type: 'string' },
    'extension-types': { type: 'string' },
  },
  allowPositionals: true,
});

if (options.version) {
  const { version } = await loadWasmEngineModule();
  process.stdout.write(`schema-engine-cli ${version()} (wasm bridge)\n`);
  process.exit(0);
}

const datasource = options.datasource ? JSON.parse(options.datasource) : undefined;
if (positionals[0] === 'cli') {
  await runCliCommand(positionals[1], datasource);
} else {
  serveJsonRpc(options.datamodels, datasource);
}
