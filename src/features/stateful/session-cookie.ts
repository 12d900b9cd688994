import type { SessionOptions } from 'express-session';
import type { Config } from '../../config/config';

/** Cookie and session settings shared by both stores; only the store differs. */
export function sessionCookie(config: Config, name: string): SessionOptions {
  return {
    name,
    secret: config.sessionSecret,
    resave: false,
    // Sessions exist only after POST …/sessions: browsing must not mint a session per request.
    saveUninitialized: false,
    // Teaching note: never `unset: 'destroy'`. When loading the session fails (Redis slow or
    // gone), req.session stays empty while the cookie still names the session, and 'destroy'
    // then deletes that session from Redis as the 503 goes out: a slow Redis would lose the very
    // sessions it was about to serve. Logout destroys explicitly (DELETE …/sessions/:id).
    unset: 'keep',
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      // 'auto': Secure when the request arrived over TLS, as told by the proxy's
      // X-Forwarded-Proto (trusted because of the `trust proxy` setting).
      secure: 'auto',
      path: '/',
      maxAge: config.sessionTtlSeconds * 1000,
    },
  };
}
