// Lesson 2: ip_hash ties a client address to a replica; round robin ties nothing.
import { byClient, describe, of, part, replicasOf } from './check-kit';
import type { Lesson } from './lesson';

export const lesson02: Lesson = {
  worksheet: {
    id: 2,
    slug: 'ip-hash-pins',
    title: 'ip_hash pins a client to a replica',
    panel: 'clients',
    views: ['clients', 'stream'],
    summary: 'ip_hash hashes the first three octets of the client address: the same client always reaches the same replica, different /24s spread out.',
    doc: 'docs/labs.md#2-ip_hash-pins-a-client-to-a-replica',
    steps: [
      {
        id: 'pinned',
        title: 'Eight students under ip_hash',
        text: 'In **Virtual clients**, send *stateful (ip_hash)* traffic from all eight clients (at least 5 requests each).\n\nEach client has its own address, `127.0.N.1`.\n\n**Predict, then watch for:** how many replicas does each lane show? How many replicas serve the class?',
        check: 'clients-pinned',
        hints: ['Use the **ip_hash** button of the Virtual clients panel, or the stream with all clients ticked.', 'The check reads each client\'s last ten ip_hash requests.'],
        solution: 'Virtual clients → **ip_hash** (all clients, 40 requests). Every lane is one colour; the map shows at least two replicas in use.',
      },
      {
        id: 'unpinned',
        title: 'The same clients without affinity',
        text: 'Send the same traffic through **round robin** (`/rr/`).\n\n**Predict, then watch for:** what happens to each lane?',
        check: 'rr-unpinned',
        hints: ['The `/rr/` prefix routes to an upstream with no affinity at all.'],
        solution: 'Virtual clients → **round robin**. Each lane now shows several colours: nothing ties a client to a replica.',
      },
    ],
  },
  checks: {
    'clients-pinned': ({ history }) => {
      const clients = [...byClient(of(history, 'stateful', 'local'))].map(([client, events]) => ({ client, last: events.slice(-10) }));
      const enough = clients.filter((c) => c.last.length >= 3);
      const wandering = enough.filter((c) => replicasOf(c.last).size > 1);
      const used = new Set(enough.map((c) => c.last.at(-1)?.replica).filter(Boolean));
      return [
        part('several clients', enough.length >= 4, `${enough.length} clients made at least 3 ip_hash requests (need 4)`),
        part(
          'each client pinned',
          enough.length > 0 && wandering.length === 0,
          wandering.length
            ? `answered by more than one replica: ${wandering.map((c) => `${c.client} (${describe(replicasOf(c.last))})`).join('; ')} — a stopped replica re-maps its clients; reset and send again`
            : `every client's last requests came from one replica`,
        ),
        part('the class is spread', used.size >= 2, `replicas serving the clients: ${[...used].join(', ') || 'none'} (need at least 2)`),
      ];
    },
    'rr-unpinned': ({ history }) => {
      const clients = [...byClient(of(history, 'rr-stateful', 'rr-local', 'rr-stateless'))].filter(([, e]) => e.length >= 3);
      const spread = clients.filter(([, events]) => replicasOf(events).size >= 2);
      return [
        part(
          'a client meets several replicas',
          spread.length > 0,
          spread.length
            ? `${spread.map(([c, e]) => `${c}: ${describe(replicasOf(e))}`).join('; ')}`
            : 'no client with 3+ round-robin requests met 2 replicas yet — send /rr/ traffic',
        ),
      ];
    },
  },
};
