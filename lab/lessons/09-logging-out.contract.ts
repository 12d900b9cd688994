// The logging-out lesson's events (lesson 9, "Logging out: a server session ends everywhere, a
// token does not"): what its view on the page draws and its checks read. Types and constants
// only: the page imports it.
//
// Nothing here carries a credential. A login is named by its public handles — the session's
// handle (the cookie's first half, which proves nothing) and the token's id (`jti`) — while the
// cookie's secret and the signed token stay in the lab controller's memory (09-logging-out.ts).

/** The slug the lesson's events and endpoints carry. */
export const LOGOUT_LESSON = 'logout';

export const ME_PATH = '/api/v1/auth/me';

/** The three ways a client proves who it is, in the order the grid's columns show them. */
export type Proof = 'session' | 'token' | 'token-denylist';

export const PROOFS: readonly { proof: Proof; label: string; query: string; sends: string }[] = [
  { proof: 'session', label: 'session', query: '', sends: 'the login cookie (a Redis key)' },
  { proof: 'token', label: 'token', query: '', sends: 'the Bearer token' },
  // `?denylist=on` is always honoured: it only adds a check (docs/labs.md §9).
  { proof: 'token-denylist', label: 'token + denylist', query: '?denylist=on', sends: 'the Bearer token, with ?denylist=on' },
];

/** POST /lab/api/lessons/logout/logout and …/ask: which virtual client. */
export interface LogoutClientRequest {
  client: string;
}

/** One virtual client's two logins as anyone may see them: handles, never the credentials. */
export interface LoginView {
  /** A new id for every "log in": asks and logouts name the login they belong to. */
  id: string;
  client: string;
  clientName: string;
  /** The seeded user it logged in as. */
  email: string;
  at: number;
  /** The login session's public handle (16 hex digits); the cookie also holds a secret, never shown. */
  sessionHandle: string;
  /** The token's id (`jti`): what the denylist lists. Not the token. */
  tokenId: string;
  tokenExpiresAt: string;
  /** Which replica (through nginx) made each login. */
  loginReplicas: { session: string | null; token: string | null };
  /** Set by the logout: when, and which replica handled each logout and what it answered. */
  logout: { at: number; session: LogoutAnswer; token: LogoutAnswer } | null;
}

export interface LogoutAnswer {
  status: number;
  errorCode: string | null;
  replica: string | null;
}

/** One square of the grid: what one replica, asked directly, said to one proof. */
export interface GridCell {
  replica: string;
  proof: Proof;
  status: number;
  errorCode: string | null;
  /** 200 and the replica said who the user is by that very proof (`via`). */
  accepted: boolean;
  /** For an accepted token: did the replica read the denylist (`denylistChecked`)? */
  denylistChecked: boolean | null;
}

/** kind 'asking' (streamed only): a client starts to ask every replica; the grid's squares follow. */
export interface GridAsking {
  id: string;
  loginId: string;
  client: string;
  loggedOut: boolean;
  replicas: string[];
}

/** kind 'cell' (streamed only): one square, as soon as its replica answered. */
export interface GridCellEvent {
  askId: string;
  cell: GridCell;
}

/** kind 'grid': one client asked every replica (its own port, not nginx) with each proof. */
export interface LogoutGrid {
  id: string;
  at: number;
  loginId: string;
  client: string;
  email: string;
  sessionHandle: string;
  tokenId: string;
  /** When the login was logged out before this ask; null while logged in. */
  loggedOutAt: number | null;
  /** What the two logouts (through nginx) answered, and which replica handled each; null while logged in. */
  logout: { session: LogoutAnswer; token: LogoutAnswer } | null;
  /** Every replica of the cluster, in order. */
  replicas: string[];
  cells: GridCell[];
}

/** What a page that connects late draws: every client's login, and the latest grid before and after a logout. */
export interface LogoutSnapshot {
  logins: LoginView[];
  before: LogoutGrid | null;
  after: LogoutGrid | null;
}
