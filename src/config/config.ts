import os from 'node:os';
import { z } from 'zod';

/**
 * The one configuration of a statelab replica, read once at boot.
 * Every key: an environment variable, a default and a one-line doc (shown in .env.example and
 * README). A bad value stops startup with a message naming the variable.
 */

const DEV_SESSION_SECRET = 'statelab-dev-secret-change-me';

/**
 * Secrets anyone can read: the built-in development default and every value the repo's compose,
 * Swarm, Kubernetes and .env.example files carry or once carried (git keeps them forever). With
 * NODE_ENV=production a SESSION_SECRET or a JWT_KEYS secret from this list stops startup: whoever
 * knows the secret can sign a session cookie or a login token for any user.
 * test/unit/config.test.ts reads those files and fails when one holds a value missing here.
 */
const PUBLISHED_SECRETS = new Set([
  DEV_SESSION_SECRET,
  'compose-dev-secret-change-me',
  'local-dev-secret-change-me',
  // k8s/overlays/local's token key (that overlay runs NODE_ENV=development)
  'local-dev-token-key-change-me-0123456789',
]);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65_535);

interface KeyDoc {
  env: string;
  doc: string;
}

/** Environment variable names and their one-line docs, in the order .env.example lists them. */
export const configDocs: Record<string, KeyDoc> = {
  nodeEnv: { env: 'NODE_ENV', doc: 'development | production | test' },
  host: { env: 'HOST', doc: 'Interface the replica listens on' },
  port: { env: 'PORT', doc: 'TCP port the replica listens on' },
  instanceId: { env: 'INSTANCE_ID', doc: 'Replica identity sent as X-Instance-Id (default: hostname:port)' },
  redisUrl: { env: 'REDIS_URL', doc: 'Redis for sessions and atomic counters (ignored when REDIS_SENTINELS is set)' },
  redisSentinels: { env: 'REDIS_SENTINELS', doc: 'host:port[,host:port…] of Redis Sentinels: find the primary through them and follow its failovers' },
  redisSentinelName: { env: 'REDIS_SENTINEL_NAME', doc: 'Name under which the Sentinels watch the primary' },
  redisPassword: { env: 'REDIS_PASSWORD', doc: 'Password of the Redis primary found through REDIS_SENTINELS (with REDIS_URL, the URL carries it)' },
  redisSentinelPassword: { env: 'REDIS_SENTINEL_PASSWORD', doc: 'Password of the Redis Sentinels themselves' },
  redisKeyPrefix: { env: 'REDIS_KEY_PREFIX', doc: 'Prefix of every Redis key this replica writes' },
  databaseUrl: { env: 'DATABASE_URL', doc: 'PostgreSQL for users, products, messages and the audit log' },
  dependencyTimeoutMs: { env: 'DEPENDENCY_TIMEOUT_MS', doc: 'Longest a request waits on Redis or PostgreSQL before a 503' },
  sessionSecret: { env: 'SESSION_SECRET', doc: 'Secret that signs session cookies (required in production, and never a published value)' },
  sessionTtlSeconds: { env: 'SESSION_TTL_SECONDS', doc: 'Lifetime of a session after its last write' },
  migrateOnStart: { env: 'MIGRATE_ON_START', doc: 'Apply pending migrations and seed an empty database at boot' },
  trustProxy: { env: 'TRUST_PROXY', doc: 'Express "trust proxy": hops of proxies in front (nginx = 1)' },
  keepAliveTimeoutMs: { env: 'KEEP_ALIVE_TIMEOUT_MS', doc: 'HTTP keep-alive; must exceed the proxy upstream keepalive_timeout' },
  requestTimeoutMs: { env: 'REQUEST_TIMEOUT_MS', doc: 'Longest a client may take to send a whole request (headers and body) before a 408' },
  shutdownTimeoutMs: { env: 'SHUTDOWN_TIMEOUT_MS', doc: 'How long in-flight requests may run after SIGTERM' },
  shutdownDrainMs: { env: 'SHUTDOWN_DRAIN_MS', doc: 'After SIGTERM, how long idle keep-alive connections stay open so the proxy stops using them first' },
  bodyLimit: { env: 'BODY_LIMIT', doc: 'Largest accepted JSON body' },
  logLevel: { env: 'LOG_LEVEL', doc: 'pino level: fatal | error | warn | info | debug | trace | silent' },
  // --- lessons: logging out, rate limits, admin API (issue 10) ---
  jwtKeys: { env: 'JWT_KEYS', doc: 'Login token keys kid=secret[,kid=secret]: the first signs, all verify (required in production; elsewhere one is derived from SESSION_SECRET)' },
  jwtTtlSeconds: { env: 'JWT_TTL_SECONDS', doc: 'Lifetime of a login token: a revoked token is accepted until then unless the denylist is on' },
  jwtDenylist: { env: 'JWT_DENYLIST', doc: 'Check every login token against the Redis denylist, so logout revokes it at once' },
  labSwitches: { env: 'LAB_SWITCHES', doc: 'Let a request turn a lesson\'s safeguard off (GET /auth/me?denylist=off); a teaching cluster only, never a real deployment' },
  rateLimitLessonMax: { env: 'RATE_LIMIT_LESSON_MAX', doc: 'Requests per window each client may make to /api/v1/limits/*' },
  rateLimitLessonWindowSeconds: { env: 'RATE_LIMIT_LESSON_WINDOW_SECONDS', doc: 'Window of the /api/v1/limits/* rate limits' },
  adminAuthFailuresMax: { env: 'ADMIN_AUTH_FAILURES_MAX', doc: 'Failed admin API key attempts per client address per minute before 429' },
  loginFailuresMax: { env: 'LOGIN_FAILURES_MAX', doc: 'Failed logins per client address per minute before 429' },
  // --- nobody gets in where they don't belong (issue 19) ---
  sessionCreateMax: { env: 'SESSION_CREATE_MAX', doc: 'Sessions (Redis and memory together) one client address may create per minute before 429' },
  localSessionsMax: { env: 'LOCAL_SESSIONS_MAX', doc: 'Most in-memory (/local) sessions one replica holds; more answer 503 until some end or expire' },
  // --- faults without loss (issue 8) ---
  idempotencyTtlSeconds: { env: 'IDEMPOTENCY_TTL_SECONDS', doc: 'How long the outcome of a request with an Idempotency-Key is kept for replay' },
  idempotencyLeaseMs: { env: 'IDEMPOTENCY_LEASE_MS', doc: 'How long a claimed Idempotency-Key stays "in progress" (409) if its replica dies; longer than any request' },
};

const schema = z.object({
  nodeEnv: z.enum(['development', 'production', 'test']).default('development'),
  host: z.string().min(1).default('0.0.0.0'),
  port: port.default(3000),
  instanceId: z.string().regex(/^[\w.:-]{1,64}$/, 'letters, digits, . : _ - (max 64)').optional(),
  redisUrl: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  redisSentinels: z
    .string()
    .regex(/^[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*$/, 'host:port pairs separated by commas')
    .transform((list) => list.split(',').map((pair) => ({ host: pair.slice(0, pair.lastIndexOf(':')), port: Number(pair.slice(pair.lastIndexOf(':') + 1)) })))
    .optional(),
  redisSentinelName: z.string().regex(/^[\w.-]{1,64}$/).default('statelab'),
  redisPassword: z.string().min(1).optional(),
  redisSentinelPassword: z.string().min(1).optional(),
  redisKeyPrefix: z.string().max(64).default('statelab:'),
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/ }).default('postgresql://postgres@127.0.0.1:5432/statelab'),
  dependencyTimeoutMs: z.coerce.number().int().min(100).max(30_000).default(1000),
  sessionSecret: z.string().min(16, 'at least 16 characters').default(DEV_SESSION_SECRET),
  sessionTtlSeconds: z.coerce.number().int().min(10).default(86_400),
  migrateOnStart: bool.default(true),
  trustProxy: z.coerce.number().int().min(0).max(10).default(1),
  keepAliveTimeoutMs: z.coerce.number().int().min(1000).default(65_000),
  requestTimeoutMs: z.coerce.number().int().min(100).default(30_000),
  shutdownTimeoutMs: z.coerce.number().int().min(0).default(10_000),
  shutdownDrainMs: z.coerce.number().int().min(0).max(60_000).default(2_000),
  bodyLimit: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size like 16kb').default('16kb'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  jwtKeys: z
    .string()
    .regex(/^[\w.-]{1,32}=[^,\s]{32,}(,[\w.-]{1,32}=[^,\s]{32,})*$/, 'kid=secret pairs separated by commas, secrets of 32+ characters')
    .optional(),
  jwtTtlSeconds: z.coerce.number().int().min(5).max(86_400).default(300),
  jwtDenylist: bool.default(false),
  labSwitches: bool.default(false),
  rateLimitLessonMax: z.coerce.number().int().min(1).max(100_000).default(10),
  rateLimitLessonWindowSeconds: z.coerce.number().int().min(1).max(86_400).default(60),
  adminAuthFailuresMax: z.coerce.number().int().min(1).max(10_000).default(10),
  loginFailuresMax: z.coerce.number().int().min(1).max(10_000).default(10),
  // Teaching note: 600 a minute is ten a second from one address — far above what a class does
  // (one student, or a whole class behind one NAT address, creates a few a minute; the repo's
  // tests create at most ~250 from one address in a minute) and far below what fills Redis.
  sessionCreateMax: z.coerce.number().int().min(1).max(1_000_000).default(600),
  localSessionsMax: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  idempotencyTtlSeconds: z.coerce.number().int().min(1).max(7 * 86_400).default(86_400),
  idempotencyLeaseMs: z.coerce.number().int().min(500).max(600_000).default(5_000),
});

export type Config = Omit<z.infer<typeof schema>, 'instanceId'> & { instanceId: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = {};
  for (const [key, { env: name }] of Object.entries(configDocs)) {
    const value = env[name];
    raw[key] = value === '' ? undefined : value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      return `  ${configDocs[key]?.env ?? key}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (config.nodeEnv === 'production') {
    const lines: string[] = [];
    if (PUBLISHED_SECRETS.has(config.sessionSecret)) {
      lines.push('  SESSION_SECRET: a published value (a built-in or example default) is refused when NODE_ENV=production; set your own, e.g. openssl rand -hex 32');
    }
    // Derived from SESSION_SECRET, a token key would be exactly as public as that secret, and one
    // leak would hand out both sessions and tokens: production names its token keys itself.
    if (config.jwtKeys === undefined) lines.push('  JWT_KEYS: required when NODE_ENV=production (kid=secret of 32+ characters, e.g. k1=$(openssl rand -hex 32))');
    else if (config.jwtKeys.split(',').some((pair) => PUBLISHED_SECRETS.has(pair.slice(pair.indexOf('=') + 1)))) {
      lines.push('  JWT_KEYS: a published secret is refused when NODE_ENV=production');
    }
    if (lines.length > 0) throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...config, instanceId: config.instanceId ?? `${os.hostname()}:${config.port}` };
}
