// Talking to the lab controller through nginx (same origin, /lab/api/): JSON requests, the
// event stream, and the token that lets this page change things.
import { LAB_API_PREFIX, type LabEvent } from '../../lab/lab-types';

const TOKEN_KEY = 'statelab.labToken';
const EVENT_TYPES: LabEvent['type'][] = ['hello', 'request', 'cluster', 'action', 'sessions', 'race', 'lesson'];

/** An answer other than 2xx, or no answer: `code` is the API's error code, or NETWORK. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The token arrives once, in the fragment of the URL `npm run demo` prints (#token=…): a browser
 * never sends a fragment to the server, so it is in no access log and no Referer. Keep it for
 * this tab in sessionStorage and take it out of the address bar, so it does not end up in
 * bookmarks, screenshots or the history.
 */
export function takeToken(): string | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const fromUrl = fragment.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    fragment.delete('token');
    const rest = fragment.toString();
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // not JSON (a proxy's HTML page): keep the status line
  }
  return new ApiError(response.status, code, message);
}

export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

export class LabApi {
  constructor(readonly token: string | null) {}

  get canPost(): boolean {
    return this.token !== null;
  }

  async get<T>(path: string): Promise<T> {
    return this.send<T>('GET', path);
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    if (!this.token) throw new ApiError(401, 'LAB_TOKEN_REQUIRED', 'This page is read-only: open the lab URL that `npm run demo` prints.');
    return this.send<T>('POST', path, body);
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST' && this.token) headers['x-lab-token'] = this.token;
    let response: Response;
    try {
      response = await fetch(`${LAB_API_PREFIX}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch (error) {
      throw new ApiError(0, 'NETWORK', `no answer from nginx (${String(error)})`);
    }
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as T;
  }

  /**
   * Follows /lab/api/events. EventSource reconnects by itself after a dropped stream, but gives
   * up for good when the answer is not an event stream (nginx's 503 LAB_UNAVAILABLE while the
   * controller is down), so then this opens a new one after a pause. Every new connection
   * starts with a `hello` carrying the whole state.
   */
  follow(onEvent: (event: LabEvent) => void, onStatus: (status: LinkStatus, detail?: string) => void): void {
    let retryMs = 1_000;
    const open = (): void => {
      const source = new EventSource(`${LAB_API_PREFIX}/events`);
      for (const type of EVENT_TYPES) {
        source.addEventListener(type, (message) => {
          if (type === 'hello') {
            retryMs = 1_000;
            onStatus('live');
          }
          onEvent(JSON.parse((message as MessageEvent<string>).data) as LabEvent);
        });
      }
      source.onerror = () => {
        if (source.readyState !== EventSource.CLOSED) {
          onStatus('reconnecting', 'the event stream dropped; reconnecting…');
          return;
        }
        source.close();
        this.get('/state').then(
          () => onStatus('reconnecting', 'the event stream closed; reconnecting…'),
          (error: unknown) => onStatus('unavailable', error instanceof ApiError ? `${error.code}: ${error.message}` : String(error)),
        );
        setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 10_000);
      };
    };
    onStatus('connecting');
    open();
  }
}

/** A failure as one line for the page. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'LAB_TOKEN_REQUIRED' || error.code === 'LAB_FORBIDDEN') {
      return `${error.code}: ${error.message} — open the lab URL printed by \`npm run demo\` or \`npm run cluster -- status\`.`;
    }
    return `${error.code}: ${error.message}`;
  }
  return String(error);
}
