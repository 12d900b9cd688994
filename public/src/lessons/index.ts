// The lesson views of the page, one module each (the six shared panels are in index.html and
// panels/). A lesson whose worksheet names a panel id of its own lists its view here.
import { adminPanel } from './admin';
import { backupPanel } from './backup';
import { benchPanel } from './bench';
import { dependenciesPanel } from './dependencies';
import { durabilityPanel } from './durability';
import { edgeCachePanel } from './edge-cache';
import { idempotencyPanel } from './idempotency';
import type { LessonPanelSpec } from './lesson-panel';
import { logoutPanel } from './logout';
import { rateLimitsPanel } from './rate-limits';

export const LESSON_PANELS: readonly LessonPanelSpec[] = [
  dependenciesPanel,
  benchPanel,
  logoutPanel,
  rateLimitsPanel,
  edgeCachePanel,
  adminPanel,
  idempotencyPanel,
  durabilityPanel,
  backupPanel,
];
