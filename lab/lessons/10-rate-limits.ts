// Lesson 10: a limit counted in each replica's memory drifts with the number of replicas behind
// least_conn; counted in Redis, or reached through ip_hash, it holds.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Exchange } from '../../cluster/simulated-client';
import { AppError } from '../../src/errors/app-error';
import type { LabHistory } from '../lab-history';
import type { CheckPart } from '../lab-types';
import { part } from './check-kit';
import type { Lesson, LessonContext, LessonRuntime } from './lesson';
import { LIMITS_LESSON, limitPath, type LimitProbe, type LimitProbeRequest, type LimitStore, type LimitVia, type LimitsSnapshot } from './10-rate-limits.contract';

const probeBody = z.strictObject({
  store: z.enum(['memory', 'redis']),
  via: z.enum(['least_conn', 'ip_hash']),
  count: z.number().int().min(1).max(60),
});

/** Probes the view keeps for a page that connects late (the checks read the history). */
const KEPT_PROBES = 20;

const header = (e: Exchange, name: string): string | null => {
  const value = e.headers[name];
  return typeof value === 'string' ? value : null;
};

/** The limit an answer states: a 200's body says `limit`, a 429's says `error.details.limit`. */
function statedLimit(e: Exchange): { limit: number; windowSeconds: number | null } | undefined {
  const details = (e.json.error as { details?: { limit?: unknown; windowSeconds?: unknown } } | undefined)?.details;
  const limit = e.status === 200 ? e.json.limit : details?.limit;
  if (typeof limit !== 'number') return undefined;
  return { limit, windowSeconds: typeof details?.windowSeconds === 'number' ? details.windowSeconds : null };
}

/** One probe's answers, summed up as the view and the checks need them. */
export function summarize(base: Pick<LimitProbe, 'id' | 'at' | 'store' | 'via' | 'client' | 'address'>, replies: Exchange[]): LimitProbe {
  const byReplica: LimitProbe['byReplica'] = {};
  let limit: number | null = null;
  let windowSeconds: number | null = null;
  for (const r of replies) {
    const tally = (byReplica[r.replica ?? 'none'] ??= { allowed: 0, refused: 0 });
    if (r.status === 200) tally.allowed += 1;
    if (r.status === 429) tally.refused += 1;
    const stated = statedLimit(r);
    if (stated) {
      limit ??= stated.limit;
      windowSeconds ??= stated.windowSeconds;
    }
  }
  const allowed = replies.filter((r) => r.status === 200);
  const refused = replies.filter((r) => r.status === 429);
  return {
    ...base,
    path: limitPath(base.store, base.via),
    sent: replies.length,
    allowed: allowed.length,
    refused: refused.length,
    other: replies.length - allowed.length - refused.length,
    limit,
    windowSeconds,
    drift: limit ? Math.round((allowed.length / limit) * 100) / 100 : null,
    degraded: allowed.filter((r) => r.json.degraded === true).length,
    byReplica,
    answers: replies.map((r) => ({ status: r.status, replica: r.replica, retried: r.retried, errorCode: r.errorCode })),
    headers: {
      policy: replies[0] ? header(replies[0], 'ratelimit-policy') : null,
      lastAllowed: allowed.length ? header(allowed.at(-1)!, 'ratelimit') : null,
      firstRefused: refused.length ? header(refused[0]!, 'ratelimit') : null,
      retryAfter: refused.length ? header(refused[0]!, 'retry-after') : null,
    },
  };
}

/**
 * The view's one action: a client nobody used before sends `count` requests, one after another,
 * to one limit. Teaching note: the client is new for every probe (ctx.freshClient, its own /24)
 * because the limit counts per client address for a minute: a second probe from the same address
 * would start with the first one's requests already counted, and measure nothing.
 */
function startLimits(ctx: LessonContext): LessonRuntime {
  let probes: LimitProbe[] = [];
  let running = false;

  async function probe(request: LimitProbeRequest): Promise<LimitProbe> {
    if (running) throw new AppError('LAB_BUSY', 'A rate-limit probe is still running; wait for it to finish');
    running = true;
    const client = ctx.freshClient();
    const id = randomUUID();
    try {
      const at = Date.now();
      const replies: Exchange[] = [];
      for (let i = 0; i < request.count; i++) {
        const reply = await client.get(limitPath(request.store, request.via));
        // The stream names upstreams: /api/… goes to least_conn's, /sticky/… to ip_hash's.
        ctx.record(reply, request.via === 'ip_hash' ? 'stateful' : 'stateless', id);
        replies.push(reply);
      }
      const result = summarize({ id, at, store: request.store, via: request.via, client: client.id, address: client.address ?? '' }, replies);
      probes = [...probes, result].slice(-KEPT_PROBES);
      ctx.publish('probe', result);
      return result;
    } finally {
      client.close();
      running = false;
    }
  }

  const router = Router();
  router.post('/probe', async (req, res) => {
    res.json(await probe(probeBody.parse(req.body ?? {})));
  });
  return {
    router,
    snapshot: (): LimitsSnapshot => ({ probes }),
    reset: () => {
      probes = [];
    },
  };
}

const variantName = (store: LimitStore, via: LimitVia) => `${store} store via ${via}`;

/**
 * The newest probe of one variant that sent more than the limit (fewer cannot show a drift), or
 * a failed part that says what to do instead.
 */
function judged(history: LabHistory, store: LimitStore, via: LimitVia): { probe: LimitProbe } | { missing: CheckPart } {
  const mine = history.lessonEventsOf<LimitProbe>(LIMITS_LESSON, 'probe').map((e) => e.data).filter((p) => p.store === store && p.via === via);
  const fair = mine.filter((p) => p.limit !== null && p.sent > p.limit && p.other === 0);
  const name = `a probe of the ${variantName(store, via)}`;
  if (fair.length) return { probe: fair.at(-1)! };
  const last = mine.at(-1);
  let detail: string;
  if (!last) detail = `no probe of the ${variantName(store, via)} since the last reset — press its button in Rate limits`;
  else if (last.limit === null || last.other > 0) detail = `the last probe got ${last.other} answers that were neither 200 nor 429 (is every replica up, and Redis?) — probe again`;
  else detail = `the last probe sent ${last.sent} requests, not more than the limit of ${last.limit} — send 30`;
  return { missing: part(name, false, detail) };
}

const perReplica = (p: LimitProbe) =>
  Object.entries(p.byReplica)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, t]) => `${r} ${t.allowed}`)
    .join(', ');

const seen = (p: LimitProbe) => `${p.allowed} of ${p.sent} allowed with a limit of ${p.limit} (drift ${p.drift}×; allowed per replica: ${perReplica(p)})`;

export const lesson10: Lesson = {
  worksheet: {
    id: 10,
    slug: LIMITS_LESSON,
    title: 'Rate limits: per replica vs shared',
    panel: 'limits',
    views: ['limits', 'cluster'],
    summary:
      'The same limit — 10 requests per minute per client address — counted in each replica\'s memory and in Redis. Behind least_conn one client meets every replica, and each lets the full limit through.',
    doc: 'docs/labs.md#10-rate-limits-per-replica-vs-shared',
    steps: [
      {
        id: 'memory-least-conn',
        title: 'The memory store through least_conn',
        text: 'In **Rate limits**, keep 30 requests and press **memory · least_conn**. One new client sends 30 requests, one after another, to `/api/v1/limits/memory`.\n\n**Predict, then watch for:** the limit is 10 per minute. How many of the 30 get through, and who let them through? Watch the *allowed per replica* column and the drift factor.',
        check: 'limits-memory-drifts',
        hints: [
          'Each replica keeps its own counter in its own memory; least_conn spreads one client\'s requests over all of them.',
          'The check needs a probe with more requests than the limit (30 is the default).',
        ],
        solution: 'Rate limits → **memory · least_conn**: about 30 of 30 allowed, 10 by each replica — a drift of about 3× on 3 replicas.',
      },
      {
        id: 'redis-least-conn',
        title: 'The Redis store through least_conn',
        text: 'Press **redis · least_conn**: the same client pattern against `/api/v1/limits/redis`, whose counter lives in Redis.\n\n**Predict, then watch for:** the requests still land on every replica — does the limit hold now?',
        check: 'limits-redis-exact',
        hints: ['Every replica increments the same Redis key for this client.', 'If Redis is down the shared limiter fails open and says `degraded`: start Redis and probe again.'],
        solution: 'Rate limits → **redis · least_conn**: exactly 10 of 30 allowed, spread over the replicas yet counted once; the rest are `429 RATE_LIMITED`.',
      },
      {
        id: 'memory-ip-hash',
        title: 'The memory store through ip_hash',
        text: 'Press **memory · ip_hash**: the memory store again, through `/sticky/…`, which pins a client to one replica.\n\n**Predict, then watch for:** how many replicas answer, and does the per-replica counter count right now? What would a restart of that replica do to it?',
        check: 'limits-sticky-exact',
        hints: ['ip_hash picks the replica from the client address, so one replica sees every request.'],
        solution: 'Rate limits → **memory · ip_hash**: exactly 10 of 30 allowed, every answer from one replica — until that replica restarts and forgets its counts.',
      },
    ],
  },
  checks: {
    'limits-memory-drifts': ({ history }) => {
      const found = judged(history, 'memory', 'least_conn');
      if ('missing' in found) return [found.missing];
      const { probe } = found;
      const counting = Object.entries(probe.byReplica).filter(([r, t]) => r !== 'none' && t.allowed > 0);
      return [
        part('more than the limit let through', probe.allowed > probe.limit!, `${seen(probe)}${probe.allowed > probe.limit! ? '' : ' — was only one replica up? Start every replica and probe again'}`),
        part('counted on several replicas', counting.length >= 2, `${counting.length} replicas let requests through (need 2): each counts this client alone`),
      ];
    },
    'limits-redis-exact': ({ history }) => {
      const found = judged(history, 'redis', 'least_conn');
      if ('missing' in found) return [found.missing];
      const { probe } = found;
      const replicas = Object.keys(probe.byReplica).filter((r) => r !== 'none').length;
      const why = probe.degraded ? ` — ${probe.degraded} passed unlimited because Redis could not count (degraded): start Redis and probe again` : '';
      return [part('exactly the limit let through', probe.allowed === probe.limit, `${seen(probe)}; ${replicas} replicas answered, one counter in Redis${why}`)];
    },
    'limits-sticky-exact': ({ history }) => {
      const found = judged(history, 'memory', 'ip_hash');
      if ('missing' in found) return [found.missing];
      const { probe } = found;
      const replicas = [...new Set(probe.answers.map((a) => a.replica ?? 'none'))];
      return [
        part('exactly the limit let through', probe.allowed === probe.limit, seen(probe)),
        part('one replica answered', replicas.length === 1, `answered by ${replicas.join(', ')}${replicas.length === 1 ? '' : ' — was the pinned replica restarted or down during the probe? Probe again'}`),
      ];
    },
  },
  start: startLimits,
};
