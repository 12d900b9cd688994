import session, { type SessionData } from 'express-session';
import { AppError } from '../../errors/app-error';

interface Entry {
  json: string;
  expiresAt: number;
}

/** When a session stored now ends: its cookie's expiry (express-session sets it from maxAge). */
function expiryOf(data: SessionData, fallbackMs: number): number {
  const expires = data.cookie?.expires;
  return expires ? new Date(expires).getTime() : Date.now() + fallbackMs;
}

/**
 * express-session's MemoryStore with two bounds, for the /local lesson: a session is gone once
 * its cookie has expired, and one replica holds at most `max` of them. MemoryStore has neither,
 * so a loop of POST /api/v1/local/sessions grew a replica's heap without end.
 *
 * Teaching note: full means refused (503 LOCAL_SESSIONS_FULL), never "drop the oldest": a store
 * that evicted to make room would log students out at random — the silent loss this lesson is
 * about, only harder to see. Expired sessions are swept out only when the store is full, so the
 * common path costs a Map lookup, as MemoryStore's does.
 */
export class BoundedMemoryStore extends session.Store {
  private readonly sessions = new Map<string, Entry>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    /** Hears every session that ends here (destroyed or expired), so state kept beside it goes too. */
    private readonly onForget: (sessionId: string) => void,
  ) {
    super();
  }

  get size(): number {
    return this.sessions.size;
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const entry = this.sessions.get(sid);
    if (entry && entry.expiresAt <= Date.now()) this.forget(sid);
    callback(null, entry && entry.expiresAt > Date.now() ? (JSON.parse(entry.json) as SessionData) : null);
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    if (!this.sessions.has(sid) && this.sessions.size >= this.max) {
      this.sweep();
      if (this.sessions.size >= this.max) {
        callback?.(new AppError('LOCAL_SESSIONS_FULL'));
        return;
      }
    }
    this.sessions.set(sid, { json: JSON.stringify(data), expiresAt: expiryOf(data, this.ttlMs) });
    callback?.();
  }

  override touch(sid: string, data: SessionData, callback?: () => void): void {
    const entry = this.sessions.get(sid);
    if (entry) entry.expiresAt = expiryOf(data, this.ttlMs);
    callback?.();
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.forget(sid);
    callback?.();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [sid, entry] of this.sessions) if (entry.expiresAt <= now) this.forget(sid);
  }

  private forget(sid: string): void {
    this.sessions.delete(sid);
    this.onForget(sid);
  }
}
