// What createApp(deps) is given: every outside system a replica talks to, passed in rather than
// imported, so tests build their own (STYLE.md 2). Features import this type, never app.ts.
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Config } from './config/config';
import type { Database } from './infra/database';
import type { Metrics } from './infra/metrics';

export interface AppDeps {
  config: Config;
  redis: Redis;
  prisma: Database;
  /** The connections under `prisma`, for plain SQL on every replica's path (infra/database.ts). */
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
  /** Reported by /stateless/info. */
  version: string;
}
