// The backup lesson's events (lesson 15, "Backup and restore"): what its view and its checks rely
// on. Types only: the page imports it. No event carries a cookie or a whole session id: sessions
// are named by their first 8 characters.

/** The slug the lesson's events and endpoints carry. */
export const BACKUP_LESSON = 'backup-restore';

/** One backup in the launcher's default folder (backups/<name>/), as its manifest describes it. */
export interface BackupEntry {
  name: string;
  createdAt: string;
  /** The manifest's counts: users, products, messages, sessions. */
  counts: Record<string, number>;
}

/** kind 'conversation': a lesson client made a session and posted messages in it (through nginx). */
export interface ConversationMade {
  at: number;
  client: string;
  /** First 8 characters of the session id. */
  session: string;
  /** The ids of its messages, in PostgreSQL's `messages` table. */
  messageIds: string[];
  /** The replica that created the session. */
  createdBy: string | null;
}

/** kind 'backup': `backup(clusterDir)` wrote a backup. */
export interface BackupTaken {
  at: number;
  ok: boolean;
  error: string | null;
  backup: BackupEntry | null;
  durationMs: number;
  /** The lesson's conversation existed before it was taken, so the backup holds it. */
  holdsConversation: boolean;
}

/** What the conversation's client found through nginx. */
export interface Look {
  at: number;
  /** GET …/sessions/current with the old cookie: 200 (found), 401 (NO_SESSION), 503 (Redis down). */
  session: { status: number; errorCode: string | null; handle: string | null; same: boolean; servedBy: string | null };
  /** GET …/sessions/:id/history: the message ids it lists (it needs the session: 401 without one). */
  messages: { status: number; errorCode: string | null; ids: string[] };
  /** The ids the conversation was made with. */
  expectedIds: string[];
}

/** kind 'accident': the messages' rows deleted in PostgreSQL, the session logged out in Redis. */
export interface Accident {
  at: number;
  session: string;
  /** Rows DELETE FROM messages removed. */
  messagesDeleted: number;
  /** The history read right after the rows went (the session still there): ids left. */
  messagesAfter: { status: number; ids: string[] };
  /** DELETE …/sessions/:id through nginx: 204. */
  sessionDeleteStatus: number;
  /** The old cookie afterwards. */
  sessionAfter: { status: number; errorCode: string | null };
}

/** kind 'restore': `restore(clusterDir, backups/<name>)` ran, then the conversation was looked at again. */
export interface Restored {
  at: number;
  backup: string;
  ok: boolean;
  error: string | null;
  /** From the press to the end of restore(): pg_restore, Redis stopped, its data replaced, started. */
  seconds: number;
  /** The manifest's counts and the counts after the restore (restore()'s own answer). */
  expected: Record<string, number> | null;
  restored: Record<string, number> | null;
  /** The restored backup was taken after the conversation was made. */
  holdsConversation: boolean;
  look: Look | null;
}

/** kind 'look': the Look button. */
export type Looked = Look;

/** GET …/state and the `hello` snapshot. */
export interface BackupSnapshot {
  redisMode: 'standalone' | 'sentinel';
  /** Newest first; at most 20. */
  backups: BackupEntry[];
  conversation: ConversationMade | null;
  backup: BackupTaken | null;
  accident: Accident | null;
  restore: Restored | null;
  look: Look | null;
}

/** POST …/restore */
export interface RestoreRequest {
  backup: string;
}
