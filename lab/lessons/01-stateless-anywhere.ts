// Lesson 1: a stateless request carries everything it needs, so any replica may answer it.
import { byClient, describe, of, ok, part, replicasOf } from './check-kit';
import type { Lesson } from './lesson';

export const lesson01: Lesson = {
  worksheet: {
    id: 1,
    slug: 'stateless-anywhere',
    title: 'Stateless requests go anywhere',
    panel: 'stream',
    views: ['stream', 'clients'],
    summary: 'A stateless request carries everything it needs, so nginx may send it to any replica: least_conn picks the least busy one.',
    doc: 'docs/labs.md#1-stateless-requests-go-anywhere',
    steps: [
      {
        id: 'spread',
        title: 'Send stateless traffic',
        text: 'In **Request stream**, choose *stateless (least_conn)*, 60 requests at 20/s, and press **Send**.\n\n**Predict, then watch for:** how many replicas will answer one client? Watch the dot colours and the counts per replica.',
        check: 'stateless-spread',
        hints: [
          'The family picker is above the stream; the count and rate are beside it.',
          'The check looks at stateless requests the lab sent since the last reset: at least 30 answered 200, by at least two replicas.',
        ],
        solution: 'Request stream → family **stateless (least_conn)** → count 60, rate 20 → **Send**. Every replica answers: `/api/v1/stateless/info` needs nothing from any earlier request.',
      },
      {
        id: 'sticky-contrast',
        title: 'Compare with a sticky route',
        text: 'Now send 20 requests of *stateful (ip_hash)* from **one** client (pick client-1 only).\n\n**Predict, then watch for:** does one client still reach every replica?',
        check: 'single-client-sticky',
        hints: ['Under ip_hash the replica is a function of the client address, not of load.', 'Tick only client-1 in the clients picker before sending.'],
        solution: 'Request stream → family **stateful (ip_hash)**, clients: client-1 only, 20 requests → every dot has the same colour.',
      },
    ],
  },
  checks: {
    'stateless-spread': ({ history }) => {
      const answered = of(history, 'stateless').filter(ok);
      const replicas = replicasOf(answered);
      return [
        part('enough stateless requests', answered.length >= 30, `${answered.length} stateless requests answered 200 (need 30)${answered.length >= 30 ? '' : ' — send them from the Request stream'}`),
        part('several replicas answered', replicas.size >= 2, `replicas that answered: ${describe(replicas)} (need at least 2)`),
      ];
    },
    'single-client-sticky': ({ history }) => {
      const sticky = [...byClient(of(history, 'stateful', 'local'))].map(([client, events]) => ({ client, events: events.slice(-20) }));
      const best = sticky.filter((c) => c.events.length >= 10).find((c) => replicasOf(c.events).size === 1);
      return [
        part(
          'one client, one replica',
          Boolean(best),
          best
            ? `${best.client}: ${best.events.length} ip_hash requests, all answered by ${best.events[0]?.replica}`
            : 'no client has 10 ip_hash requests answered by one replica yet — send 20 stateful requests from one client',
        ),
      ];
    },
  },
};
