// The lessons of the lab page, in the order of docs/labs.md: one file each.
import { lesson01 } from './01-stateless-anywhere';
import { lesson02 } from './02-ip-hash-pins';
import { lesson03 } from './03-memory-sessions-break';
import { lesson04 } from './04-redis-sessions-survive';
import { lesson05 } from './05-dead-replica-retries';
import { lesson06 } from './06-lost-updates';
import { lesson07 } from './07-dependencies-fail-fast';
import { lesson08 } from './08-state-has-a-price';
import { lesson09 } from './09-logging-out';
import { lesson10 } from './10-rate-limits';
import { lesson11 } from './11-edge-cache';
import { lesson12 } from './12-admin-api';
import { lesson13 } from './13-idempotency-keys';
import { lesson14 } from './14-redis-survives';
import { lesson15 } from './15-backup-restore';
import type { Lesson } from './lesson';

export const LESSONS: readonly Lesson[] = [
  lesson01,
  lesson02,
  lesson03,
  lesson04,
  lesson05,
  lesson06,
  lesson07,
  lesson08,
  lesson09,
  lesson10,
  lesson11,
  lesson12,
  lesson13,
  lesson14,
  lesson15,
];
