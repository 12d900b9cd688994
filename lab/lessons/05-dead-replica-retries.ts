// Lesson 5: nginx retries an idempotent request on the next replica when one is dead.
import { lastReplicaOutage, of, ok, part } from './check-kit';
import type { Lesson } from './lesson';

export const lesson05: Lesson = {
  worksheet: {
    id: 5,
    slug: 'dead-replica-retries',
    title: 'A dead replica costs retries, not errors',
    panel: 'cluster',
    views: ['cluster', 'stream', 'metrics'],
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
  checks: {
    'replica-stopped': ({ history }) => {
      const outage = lastReplicaOutage(history);
      return [part('a replica was stopped', Boolean(outage), outage ? `${outage.action} ${outage.target}` : 'no replica stopped or killed since the last reset — use the Cluster panel')];
    },
    'no-errors-while-down': ({ history }) => {
      const outage = lastReplicaOutage(history);
      // Requests that started after the replica was gone and before it was started again.
      const during = outage ? of(history, 'stateless').filter((e) => e.at > outage.at && e.at < outage.until) : [];
      const failed = during.filter((e) => !ok(e));
      const retried = during.filter((e) => e.retried).length;
      return [
        part('traffic while a replica was down', during.length >= 20, outage ? `${during.length} stateless requests while ${outage.target} was down (need 20)` : 'stop a replica first'),
        part('no errors', during.length > 0 && failed.length === 0, failed.length ? `${failed.length} failed: ${failed.slice(0, 3).map((e) => `${e.status} ${e.errorCode ?? ''}`).join(', ')}` : `all answered 200; ${retried} were retried on another replica`),
      ];
    },
    'replicas-ready': ({ components }) => {
      const replicas = components.filter((c) => c.kind === 'replica');
      const notReady = replicas.filter((c) => !c.ready);
      return [part('every replica ready', replicas.length > 0 && notReady.length === 0, notReady.length ? `not ready: ${notReady.map((c) => `${c.name} (${c.state})`).join(', ')}` : `${replicas.length} replicas ready`)];
    },
  },
};
