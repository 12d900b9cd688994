import type { Worksheet } from './lab-types';

/**
 * The guided labs: one worksheet per lesson of docs/labs.md, shaped like self-checking lab
 * platforms' steps (text, a check, hints revealed one at a time, a solution behind a confirm).
 * Data only: the checks named here live in lab-checks.ts and run from the page and from
 * `npm run lab -- check <n>` alike. Text is the small markdown subset the page renders.
 */
export const WORKSHEETS: Worksheet[] = [
  {
    id: 1,
    slug: 'stateless-anywhere',
    title: 'Stateless requests go anywhere',
    panel: 'stream',
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
  {
    id: 2,
    slug: 'ip-hash-pins',
    title: 'ip_hash pins a client to a replica',
    panel: 'clients',
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
  {
    id: 3,
    slug: 'memory-sessions-break',
    title: 'Sessions in process memory break without affinity',
    panel: 'sessions',
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
  {
    id: 4,
    slug: 'redis-sessions-survive',
    title: 'Sessions in Redis survive a replica',
    panel: 'sessions',
    summary: 'A session in Redis belongs to no replica: when the replica that created it dies, another one serves the same session.',
    doc: 'docs/labs.md#4-sessions-in-redis-survive-anything-but-redis',
    steps: [
      {
        id: 'create',
        title: 'Create sessions',
        text: 'In **Sessions side by side**, press **Create sessions** (skip if they exist).',
        check: 'redis-sessions-created',
        hints: ['Same button as in lab 3.'],
        solution: 'Sessions → **Create sessions**.',
      },
      {
        id: 'kill',
        title: 'Kill the replica that holds them',
        text: 'On a client\'s row, press **Kill its replica** (or stop that replica in **Cluster**).\n\n**Predict, then watch for:** which of the two sessions will survive?',
        check: 'session-replica-killed',
        hints: ['The row says which replica created the sessions.', 'A stop (SIGTERM) counts as well as a kill (SIGKILL).'],
        solution: 'Sessions → a row → **Kill its replica**.',
      },
      {
        id: 'read',
        title: 'Read both sessions again',
        text: 'Press **Read sessions** while that replica is down.\n\n**Watch for:** the Redis session: same id, another replica. The memory session: gone.',
        check: 'redis-session-survived',
        hints: ['Read while the replica is still down; start it again afterwards in Cluster.'],
        solution: 'Sessions → **Read sessions**: Redis shows the same session id served by another replica; memory shows `401 NO_SESSION`. Then Cluster → **start** the replica.',
      },
    ],
  },
  {
    id: 5,
    slug: 'dead-replica-retries',
    title: 'A dead replica costs retries, not errors',
    panel: 'cluster',
    summary: 'nginx retries an idempotent request on the next replica when one refuses the connection, and then skips the dead one for a while.',
    doc: 'docs/labs.md#5-a-dead-replica-costs-retries-not-errors',
    steps: [
      {
        id: 'down',
        title: 'Stop a replica',
        text: 'In **Cluster**, press **stop** (or **kill**) on one replica.',
        check: 'replica-stopped',
        hints: ['Any app-N will do.'],
        solution: 'Cluster → app-2 → **stop**.',
      },
      {
        id: 'traffic',
        title: 'Send stateless traffic while it is down',
        text: 'Send 40 *stateless* requests.\n\n**Predict, then watch for:** how many errors? Look for dots marked *retried*.',
        check: 'no-errors-while-down',
        hints: ['The retried requests list two upstreams in their tooltip.', 'Send while the replica is still down.'],
        solution: 'Request stream → **stateless**, 40 requests → all 200; a few were retried on another replica (`X-Upstream` lists both).',
      },
      {
        id: 'back',
        title: 'Bring it back',
        text: 'Press **start** on the stopped replica and wait until it is ready.',
        check: 'replicas-ready',
        hints: ['Starting takes a few seconds: the replica answers /ready only once Redis and PostgreSQL do.'],
        solution: 'Cluster → the replica → **start**.',
      },
    ],
  },
  {
    id: 6,
    slug: 'lost-updates',
    title: 'Read-modify-write loses updates; atomic commands do not',
    panel: 'race',
    summary: 'Two requests that read n and both write n + 1 lose an increment; Redis HINCRBY cannot.',
    doc: 'docs/labs.md#6-read-modify-write-loses-updates-atomic-commands-do-not',
    steps: [
      {
        id: 'race',
        title: 'Race K increments',
        text: 'In **The race**, fire K = 100 concurrent increments at both counters.\n\n**Predict, then watch for:** every increment is acknowledged — what are the final values?',
        check: 'race-lost-updates',
        hints: ['K must be at least 50 for the check.', 'Lost = acknowledged − final.'],
        solution: 'The race → K 100 → **Fire**: naive ends well below 100, atomic at exactly 100.',
      },
      {
        id: 'race-rr',
        title: 'The same race over every replica',
        text: 'Fire again, this time through round robin.\n\n**Predict, then watch for:** does spreading the race over replicas change which counter is right?',
        check: 'race-over-replicas',
        hints: ['Choose *round robin* in the race panel.'],
        solution: 'The race → via **round robin** → **Fire**: several replicas answer; naive still loses updates, atomic still exact.',
      },
    ],
  },
];

export function worksheet(id: number): Worksheet | undefined {
  return WORKSHEETS.find((w) => w.id === id);
}
