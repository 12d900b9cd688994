// Names and environment shared by the compose and Swarm tests.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { IMAGE, infoFile, suiteInfo } from './docker';

export const COMPOSE_PROJECT = 'statelab-ct';
export const STACK = 'statelab-ct';

/** Services of docker-compose.yml this suite starts: all but grafana (no image here). */
export const COMPOSE_SERVICES = [
  'redis', 'postgres', 'migrate', 'app-1', 'app-2', 'app-3', 'nginx', 'prometheus',
  'redis-exporter', 'postgres-exporter', 'nginx-exporter',
];

/**
 * The secrets the compose files require (they have no default): fresh for each run of the suite,
 * as an operator's .env would hold them — a published value would be refused by the replicas.
 */
export const SUITE_SECRETS = {
  SESSION_SECRET: randomBytes(24).toString('hex'),
  JWT_KEYS: `ct-1=${randomBytes(32).toString('hex')}`,
  GRAFANA_ADMIN_PASSWORD: randomBytes(16).toString('hex'),
};

/** Variables for both files: our image, ports of our own, published on 127.0.0.1 only. */
export function composeEnv(): NodeJS.ProcessEnv {
  const ports = existsSync(infoFile) ? suiteInfo() : { nginxPort: 0, prometheusPort: 0 };
  return {
    STATELAB_IMAGE: IMAGE,
    PUBLISH_ADDRESS: '127.0.0.1',
    NGINX_PORT: String(ports.nginxPort),
    PROMETHEUS_PORT: String(ports.prometheusPort),
    GRAFANA_PORT: '0',
    ...SUITE_SECRETS,
  };
}

export function composeArgs(args: string[]): string[] {
  return ['-p', COMPOSE_PROJECT, '-f', 'docker-compose.yml', ...args];
}
