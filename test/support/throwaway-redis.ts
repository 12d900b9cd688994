// A redis-server of a test's own, on its own port, that the test may stop and start again to
// watch the failure rules (the shared Redis must never be stopped by a test). It is the launcher's
// own private Redis (scripts/lib/private-services.mjs), in a fresh temporary directory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRedis as startPrivateRedis, type StartedRedis } from '../../scripts/lib/private-services.mjs';

export type ThrowawayRedis = StartedRedis;

/** Starts redis-server on 127.0.0.1:port; resolves once it answers PING. */
export function startRedis(port: number): Promise<ThrowawayRedis> {
  return startPrivateRedis({ port, dir: mkdtempSync(path.join(tmpdir(), 'statelab-test-redis-')) });
}

/** Stops it (SIGTERM), resolved when the process has exited. */
export function stop(redis: ThrowawayRedis): Promise<void> {
  return redis.stop();
}
