// Lesson 4: a session in Redis outlives the replica that created it.
import { latestCreated, of, part } from './check-kit';
import type { Lesson } from './lesson';

export const lesson04: Lesson = {
  worksheet: {
    id: 4,
    slug: 'redis-sessions-survive',
    title: 'Sessions in Redis survive a replica',
    panel: 'sessions',
    views: ['sessions', 'cluster'],
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
  checks: {
    'redis-sessions-created': ({ history }) => {
      const latest = latestCreated(history, 'redis');
      return [part('Redis sessions exist', Boolean(latest), latest ? `${latest.created.length} clients hold a Redis session` : 'no Redis session created yet — press Create sessions')];
    },
    'session-replica-killed': ({ history }) => {
      const created = latestCreated(history, 'redis');
      const creators = new Set(created?.created.map((p) => p.redis?.createdBy));
      const hit = history.actions.find((a) => a.ok && (a.action === 'kill' || a.action === 'stop') && creators.has(a.target) && a.at > (created?.at ?? Infinity));
      return [
        part(
          'the session holder stopped',
          Boolean(hit),
          hit ? `${hit.action} ${hit.target}, which created a client's sessions` : `no stop/kill of a replica holding sessions (${[...creators].join(', ') || 'create sessions first'}) after they were created`,
        ),
      ];
    },
    'redis-session-survived': ({ history }) => {
      const created = latestCreated(history, 'redis');
      const creators = new Set(created?.created.map((p) => p.redis?.createdBy));
      const hit = history.actions.filter((a) => a.ok && (a.action === 'kill' || a.action === 'stop') && creators.has(a.target) && a.at > (created?.at ?? Infinity)).at(-1);
      const victims = created?.created.filter((p) => p.redis?.createdBy === hit?.target) ?? [];
      const back = history.actions.find((a) => a.ok && hit && a.at > hit.at && a.target === hit.target && a.action === 'start')?.at ?? Infinity;
      const reads = history.sessionReads.filter((s) => hit && s.at > hit.at && s.at < back).flatMap((s) => s.pairs);
      const mine = reads.filter((p) => victims.some((v) => v.client === p.client));
      const survived = mine.find((p) => {
        const before = victims.find((v) => v.client === p.client)?.redis;
        return p.redis?.status === 200 && p.redis.sessionId === before?.sessionId && p.redis.servedBy !== hit?.target;
      });
      const lost = mine.find((p) => p.memory?.status === 401);
      return [
        part('sessions read while the holder was down', mine.length > 0, hit ? `${mine.length} reads of ${victims.map((v) => v.client).join(', ')} while ${hit.target} was down` : 'stop or kill the replica holding the sessions first'),
        part(
          'Redis session survived',
          Boolean(survived),
          survived ? `${survived.client}: same session ${survived.redis?.sessionId?.slice(0, 8)}…, served by ${survived.redis?.servedBy}` : 'no read found the same Redis session on another replica',
        ),
        part('memory session gone', Boolean(lost), lost ? `${lost.client}: memory session answered 401 NO_SESSION` : 'no read showed the memory session lost'),
      ];
    },
  },
};
