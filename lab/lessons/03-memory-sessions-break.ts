// Lesson 3: a session in one replica's memory is lost to every other replica.
import { describe, latestCreated, of, part, replicasOf } from './check-kit';
import type { Lesson } from './lesson';

export const lesson03: Lesson = {
  worksheet: {
    id: 3,
    slug: 'memory-sessions-break',
    title: 'Sessions in process memory break without affinity',
    panel: 'sessions',
    views: ['sessions', 'stream'],
    summary: 'A session kept in one replica\'s memory exists on that replica only; any request that lands elsewhere finds no session.',
    doc: 'docs/labs.md#3-sessions-in-process-memory-break-without-affinity',
    steps: [
      {
        id: 'create',
        title: 'Create sessions',
        text: 'In **Sessions side by side**, press **Create sessions**. Each client gets one session in Redis and one in memory, both through ip_hash.\n\n**Predict, then watch for:** which replica creates each client\'s sessions?',
        check: 'memory-sessions-created',
        hints: ['The button creates both kinds at once for every client.'],
        solution: 'Sessions → **Create sessions**: every row shows a memory session created by the client\'s ip_hash replica.',
      },
      {
        id: 'lost',
        title: 'Read the memory session through /rr/',
        text: 'In **Request stream**, send 12 requests of *local memory via /rr/* (round robin).\n\n**Predict, then watch for:** which replicas know the session?',
        check: 'memory-lost-without-affinity',
        hints: ['Errors show as hollow dots; hover one to see `NO_SESSION`.', 'Only the replica that created the session has it in memory.'],
        solution: 'Request stream → family **local memory via /rr/**, 12 requests → replicas other than the creator answer `401 NO_SESSION`.',
      },
    ],
  },
  checks: {
    'memory-sessions-created': ({ history }) => {
      const latest = latestCreated(history, 'memory');
      return [part('memory sessions exist', Boolean(latest), latest ? `${latest.created.length} clients hold a memory session` : 'no memory session created yet — press Create sessions')];
    },
    'memory-lost-without-affinity': ({ history }) => {
      const reads = of(history, 'rr-local');
      const lost = reads.filter((e) => e.status === 401 && e.errorCode === 'NO_SESSION');
      return [
        part('memory sessions read through /rr/', reads.length >= 6, `${reads.length} reads of /rr/api/v1/local/sessions/current (need 6)`),
        part(
          'other replicas do not know the session',
          lost.length > 0,
          lost.length ? `${lost.length} answered 401 NO_SESSION, by ${describe(replicasOf(lost))}` : 'no read answered NO_SESSION yet — create sessions first, then read through /rr/',
        ),
      ];
    },
  },
};
