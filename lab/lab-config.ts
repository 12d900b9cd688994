import { z } from 'zod';

/**
 * The lab controller's configuration, read once at boot from the environment the launcher sets
 * (scripts/lib/components.mjs startLab). A bad value stops startup with a message naming it.
 */
const schema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65_535).default(8088),
  token: z.string().min(16, 'at least 16 characters'),
  clusterDir: z.string().min(1),
  nginxUrl: z.url().default('http://127.0.0.1:8080'),
  prometheusUrl: z.url().default('http://127.0.0.1:9090'),
  clients: z.coerce.number().int().min(1).max(16).default(8),
  /** Open event streams per client address (a few tabs each) and in all (a class and more). */
  streamsPerClient: z.coerce.number().int().min(1).max(1000).default(8),
  streamsMax: z.coerce.number().int().min(1).max(10_000).default(64),
  /** How often the cluster's processes and readiness are looked at. */
  watchIntervalMs: z.coerce.number().int().min(200).max(10_000).default(1000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type LabConfig = z.infer<typeof schema>;

const ENV: Record<keyof LabConfig, string> = {
  host: 'LAB_HOST',
  port: 'LAB_PORT',
  token: 'LAB_TOKEN',
  clusterDir: 'CLUSTER_DIR',
  nginxUrl: 'NGINX_URL',
  prometheusUrl: 'PROMETHEUS_URL',
  clients: 'LAB_CLIENTS',
  streamsPerClient: 'LAB_STREAMS_PER_CLIENT',
  streamsMax: 'LAB_STREAMS_MAX',
  watchIntervalMs: 'LAB_WATCH_INTERVAL_MS',
  logLevel: 'LOG_LEVEL',
};

export function loadLabConfig(env: NodeJS.ProcessEnv = process.env): LabConfig {
  const raw = Object.fromEntries(
    Object.entries(ENV)
      .map(([key, name]) => [key, env[name] === '' ? undefined : env[name]])
      .filter(([, v]) => v !== undefined),
  );
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${ENV[i.path[0] as keyof LabConfig] ?? String(i.path[0])}: ${i.message}`);
    throw new Error(`lab controller: invalid configuration\n${lines.join('\n')}`);
  }
  return parsed.data;
}
