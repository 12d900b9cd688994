// Names and environment shared by the compose and Swarm tests.
import { existsSync } from 'node:fs';
import { IMAGE, infoFile, suiteInfo } from './docker';

export const COMPOSE_PROJECT = 'statelab-ct';
export const STACK = 'statelab-ct';

/** Services of docker-compose.yml this suite starts: all but grafana (no image here). */
export const COMPOSE_SERVICES = [
  'redis', 'postgres', 'migrate', 'app-1', 'app-2', 'app-3', 'nginx', 'prometheus',
  'redis-exporter', 'postgres-exporter', 'nginx-exporter',
];

/** Variables for both files: our image, ports of our own, published on 127.0.0.1 only. */
export function composeEnv(): NodeJS.ProcessEnv {
  const ports = existsSync(infoFile) ? suiteInfo() : { nginxPort: 0, prometheusPort: 0 };
  return {
    STATELAB_IMAGE: IMAGE,
    PUBLISH_ADDRESS: '127.0.0.1',
    NGINX_PORT: String(ports.nginxPort),
    PROMETHEUS_PORT: String(ports.prometheusPort),
    GRAFANA_PORT: '0',
    SESSION_SECRET: 'statelab-container-suite-secret',
  };
}

export function composeArgs(args: string[]): string[] {
  return ['-p', COMPOSE_PROJECT, '-f', 'docker-compose.yml', ...args];
}
