// The admin-API lesson's events (lesson 12, "The admin API: API keys and an audit log"): what its
// view on the page draws and its checks read. Types and constants only: the page imports it.
//
// Teaching note: nothing here carries a secret. A login is named by its public handle, an API
// key by its public id (`key:<id>`, as the audit log names it); the cookies and the keys
// themselves stay in the lab controller. Every page — a second student's too — sees these events.

/** The slug the lesson's events and endpoints carry. */
export const ADMIN_LESSON = 'admin';

/** How many virtual students log in by default (one per seeded user). */
export const DEFAULT_STUDENTS = 5;
/** SCAN COUNT per page of the listing by default: small enough that a walk has several pages. */
export const DEFAULT_PAGE_COUNT = 20;
/** A walk stops after this many pages; a keyspace larger than COUNT × this needs a larger COUNT. */
export const MAX_PAGES = 300;
/** Audit rows read by default (newest first). */
export const DEFAULT_AUDIT_LIMIT = 50;

/** POST /lab/api/lessons/admin/login: clients 1..students log in, each as a seeded user. */
export interface LoginRequest {
  /** 1..8 (the virtual clients). */
  students: number;
}

/** POST /lab/api/lessons/admin/sessions: walk the admin listing with this SCAN COUNT. */
export interface WalkRequest {
  /** 1..500. */
  count: number;
}

/** POST /lab/api/lessons/admin/revoke: end this virtual student's login. */
export interface RevokeRequest {
  client: string;
}

/** POST /lab/api/lessons/admin/audit: read the newest rows of the audit log. */
export interface AuditRequest {
  /** 1..200. */
  limit: number;
}

/** One answer, as the page shows it. */
export interface Answer {
  status: number;
  errorCode: string | null;
  /** X-Instance-Id of the replica that answered. */
  replica: string | null;
}

/** The lab's two API keys, by their public ids (what the audit log's `key:<id>` names). */
export interface LabKeys {
  read: string;
  write: string;
  createdAt: number;
}

export interface StudentLogin extends Answer {
  client: string;
  email: string;
  /** The login's public handle (16 hex digits), or null when the login failed. */
  handle: string | null;
}

/** kind 'logins': the virtual students logged in. */
export interface LoginRound {
  id: string;
  at: number;
  logins: StudentLogin[];
  /** The virtual clients the lab holds a login for after this round (the ones a revoke may name). */
  held: string[];
}

/** One SCAN step of the admin listing. */
export interface SessionsPage extends Answer {
  cursor: string;
  nextCursor: string | null;
  items: number;
}

/** A login as the admin listing shows it: no credential, ever. */
export interface ListedSession {
  handle: string;
  email: string;
  name: string;
  createdBy: string;
  ttlSeconds: number;
  /** The virtual client holding this login, when it is one of the lab's. */
  client: string | null;
}

/** kind 'walk': the listing followed page by page, with the read key, until the cursor ended. */
export interface SessionsWalk {
  id: string;
  at: number;
  keyId: string;
  count: number;
  pages: SessionsPage[];
  /** Every page 200 and the last one's nextCursor null: the whole keyspace was walked. */
  complete: boolean;
  sessions: ListedSession[];
  /**
   * How many of the virtual students' own cookie secrets appeared anywhere in the listing's
   * answers (the controller compares; only the count leaves it). 0 is the only right answer.
   */
  credentialsSeen: number;
}

/** A virtual student's `GET /api/v1/auth/me`, sent to one replica's own port (past nginx). */
export interface ReplicaAsked extends Answer {
  /** The replica the request was sent to (its id in the topology). */
  target: string;
}

/** kind 'revoke': the instructor ended one student's login. */
export interface Revocation {
  id: string;
  at: number;
  client: string;
  email: string;
  handle: string;
  keys: { read: string; write: string };
  /** The student asked every replica directly, before the revoke. */
  before: ReplicaAsked[];
  /** DELETE with the read key: 403 API_KEY_SCOPE is the right answer. */
  withReadKey: Answer;
  /** DELETE with the write key: 204. */
  withWriteKey: Answer;
  /** The student asked every replica again, right after. */
  after: ReplicaAsked[];
  /** Replicas in the topology: every one must have been asked. */
  replicas: string[];
  /** The virtual clients the lab still holds a login for after this revoke. */
  held: string[];
}

/** One audit row as the page shows it (details and session ids stay out: they are not needed here). */
export interface AuditRow {
  id: string;
  action: string;
  actor: string | null;
  target: string | null;
  instance: string | null;
  at: string;
}

/** kind 'audit': the newest rows of the audit log, read with the read key. */
export interface AuditRead extends Answer {
  id: string;
  at: number;
  keyId: string;
  limit: number;
  rows: AuditRow[];
}

/** The lesson's view after a reset or for a page that connects late. */
export interface AdminSnapshot {
  keys: LabKeys | null;
  logins: LoginRound | null;
  walk: SessionsWalk | null;
  revocation: Revocation | null;
  audit: AuditRead | null;
}
