// Lesson 6: read-modify-write loses concurrent updates; an atomic command does not.
import type { LabHistory } from '../lab-history';
import type { CheckPart } from '../lab-types';
import { part } from './check-kit';
import type { Lesson } from './lesson';

function raceParts(races: LabHistory['races']): CheckPart[] {
  const last = races.at(-1);
  if (!last) return [part('a race with K ≥ 50', false, 'no race with K ≥ 50 since the last reset — fire one in The race')];
  return [
    part('naive counter lost updates', last.naive.lost > 0, `naive: ${last.naive.acknowledged} acknowledged, final ${last.naive.final}, lost ${last.naive.lost}${last.naive.lost ? '' : ' — fire again, or with a larger K'}`),
    part('atomic counter exact', last.atomic.lost === 0 && last.atomic.final === last.atomic.acknowledged, `atomic: ${last.atomic.acknowledged} acknowledged, final ${last.atomic.final}`),
  ];
}

export const lesson06: Lesson = {
  worksheet: {
    id: 6,
    slug: 'lost-updates',
    title: 'Read-modify-write loses updates; atomic commands do not',
    panel: 'race',
    views: ['race'],
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
  checks: {
    'race-lost-updates': ({ history }) => raceParts(history.races.filter((r) => r.k >= 50)),
    'race-over-replicas': ({ history }) => {
      const spread = history.races.filter((r) => r.k >= 50 && Object.keys(r.replicas).length >= 2);
      return [
        part('a race over several replicas', spread.length > 0, spread.length ? `${Object.keys(spread.at(-1)!.replicas).join(', ')} answered` : 'no race with K ≥ 50 answered by 2+ replicas — choose round robin'),
        ...raceParts(spread),
      ];
    },
  },
};
