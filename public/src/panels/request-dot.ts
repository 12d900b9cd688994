// One request drawn as a small labelled square: coloured by the replica that answered and
// labelled with its number, so the colour is never the only cue. "↻" marks a request nginx
// retried on another replica; a 4xx answer (e.g. 401 NO_SESSION) is hollow, outlined in the
// replica's colour and marked "!"; "✕" marks a replica's 5xx; a grey square with the status is a
// request no replica answered (nginx's 502/504; × for no answer at all). On the cached catalogue
// a letter gives nginx's X-Cache-Status (H hit, M miss, B bypass, E expired), and a hit is drawn
// dashed: nginx answered it alone, the number names the replica that filled the cache.
import type { RequestEvent } from '../../../lab/lab-types';
import { h } from '../dom';
import { shortLabel, textOn, type ReplicaColours } from '../palette';

/** What a square shows of a request: a lesson view that keeps only its answers draws the same squares. */
export type DotAnswer = Pick<RequestEvent, 'status' | 'replica' | 'retried' | 'cacheStatus'>;

export function failed(event: DotAnswer): boolean {
  return event.status === 0 || event.status >= 500;
}

/** The letter a cache status adds to a square (nginx's $upstream_cache_status values). */
const CACHE_MARKS: Record<string, string> = { HIT: 'H', MISS: 'M', BYPASS: 'B', EXPIRED: 'E', STALE: 'S', UPDATING: 'U', REVALIDATED: 'R' };

function describeCache(e: RequestEvent): string | null {
  if (!e.cacheStatus) return null;
  if (e.cacheStatus === 'HIT') return `cache: HIT — nginx answered from its cache; ${e.replica ?? 'a replica'} filled it earlier`;
  return `cache: ${e.cacheStatus} — nginx asked ${e.replica ?? 'a replica'}`;
}

export function describeRequest(e: RequestEvent): string {
  const answer = e.status === 0 ? `no answer (${e.errorCode ?? 'error'})` : `${e.status}${e.errorCode ? ` ${e.errorCode}` : ''}`;
  return [
    `#${e.seq} ${e.client} → ${e.replica ?? 'no replica'}: ${answer}, ${Math.round(e.latencyMs)} ms`,
    `${e.method} ${e.path} (${e.policy}, ${e.purpose})`,
    `upstream: ${e.upstream ?? '—'}${e.retried ? ' (nginx retried)' : ''}`,
    describeCache(e),
    `request id: ${e.requestId ?? '—'}`,
  ].filter(Boolean).join('\n');
}

export function requestDot(e: RequestEvent, colours: ReplicaColours): HTMLSpanElement {
  return answerDot(e, colours, describeRequest(e));
}

/** The square itself, with `title` as its details. */
export function answerDot(e: DotAnswer, colours: ReplicaColours, title: string): HTMLSpanElement {
  const colour = colours.colour(e.replica);
  const hit = e.cacheStatus === 'HIT';
  const hollow = e.replica !== null && ((e.status >= 400 && e.status < 500) || hit);
  const style = hollow ? `border-color:${colour};background:#ffffff;color:#000000` : `background:${colour};color:${textOn(colour)}`;
  let label: string;
  if (e.replica === null) label = e.status === 0 ? '×' : String(e.status);
  else label = shortLabel(e.replica) + (e.status >= 500 ? '✕' : e.status >= 400 ? '!' : '');
  if (e.retried) label = `↻${label}`;
  if (e.cacheStatus) label += CACHE_MARKS[e.cacheStatus] ?? '?';
  const classes = ['dot', failed(e) && 'failed', e.retried && 'retried', e.status >= 400 && e.status < 500 && 'rejected', hit && 'cache-hit'];
  return h(
    'span',
    {
      class: classes.filter(Boolean).join(' '),
      style,
      title,
      'data-replica': e.replica ?? 'none',
      'data-status': e.status,
      'data-retried': String(e.retried),
      'data-cache': e.cacheStatus,
    },
    label,
  );
}
