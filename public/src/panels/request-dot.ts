// One request drawn as a small labelled square: coloured by the replica that answered and
// labelled with its number, so the colour is never the only cue. "↻" marks a request nginx
// retried on another replica; a 4xx answer (e.g. 401 NO_SESSION) is hollow, outlined in the
// replica's colour and marked "!"; "✕" marks a replica's 5xx; a grey square with the status is a
// request no replica answered (nginx's 502/504; × for no answer at all).
import type { RequestEvent } from '../../../lab/lab-types';
import { h } from '../dom';
import { shortLabel, textOn, type ReplicaColours } from '../palette';

export function failed(event: RequestEvent): boolean {
  return event.status === 0 || event.status >= 500;
}

export function describeRequest(e: RequestEvent): string {
  const answer = e.status === 0 ? `no answer (${e.errorCode ?? 'error'})` : `${e.status}${e.errorCode ? ` ${e.errorCode}` : ''}`;
  return [
    `#${e.seq} ${e.client} → ${e.replica ?? 'no replica'}: ${answer}, ${Math.round(e.latencyMs)} ms`,
    `${e.method} ${e.path} (${e.policy}, ${e.purpose})`,
    `upstream: ${e.upstream ?? '—'}${e.retried ? ' (nginx retried)' : ''}`,
    `request id: ${e.requestId ?? '—'}`,
  ].join('\n');
}

export function requestDot(e: RequestEvent, colours: ReplicaColours): HTMLSpanElement {
  const colour = colours.colour(e.replica);
  const hollow = e.replica !== null && e.status >= 400 && e.status < 500;
  const style = hollow ? `border-color:${colour};background:#ffffff;color:#000000` : `background:${colour};color:${textOn(colour)}`;
  let label: string;
  if (e.replica === null) label = e.status === 0 ? '×' : String(e.status);
  else label = shortLabel(e.replica) + (e.status >= 500 ? '✕' : e.status >= 400 ? '!' : '');
  if (e.retried) label = `↻${label}`;
  const classes = ['dot', failed(e) && 'failed', e.retried && 'retried', e.status >= 400 && e.status < 500 && 'rejected'];
  return h(
    'span',
    {
      class: classes.filter(Boolean).join(' '),
      style,
      title: describeRequest(e),
      'data-replica': e.replica ?? 'none',
      'data-status': e.status,
      'data-retried': String(e.retried),
    },
    label,
  );
}
