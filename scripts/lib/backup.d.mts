// Types of backup.mjs for its TypeScript callers (the lab's backup lesson): the folder, backup and restore.

/** What a backup holds, counted when it was taken: users, products, messages, sessions (by name). */
export type BackupCounts = Record<string, number>;

/** <backup>/manifest.json. */
export interface BackupManifest {
  createdAt: string;
  files: Record<string, string>;
  counts: BackupCounts;
}

/** The default folder of `npm run cluster -- backup`: one sub-folder per backup. */
export const BACKUPS_DIR: string;

/** Writes a backup of the running cluster in `clusterDir` to `dir` (default BACKUPS_DIR/<UTC timestamp>/). */
export function backup(clusterDir: string, dir?: string): Promise<{ dir: string; manifest: BackupManifest }>;

/**
 * Puts the backup in `dir` back into the running cluster (the caller holds the cluster lock, as
 * `npm run cluster -- restore` does); rejects with the reason when it cannot or did not.
 */
export function restore(clusterDir: string, dir: string): Promise<{ expected: BackupCounts; restored: BackupCounts }>;
