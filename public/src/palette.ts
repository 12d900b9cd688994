// Replica colours. Teaching note: the Okabe–Ito palette stays distinguishable for the common
// colour-vision deficiencies, and every coloured mark also carries its replica's name or number
// as text, so colour is never the only cue. (Okabe & Ito, "Color Universal Design", 2002.)

export const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7', '#F0E442', '#000000'] as const;

/** Marks for requests no replica answered (nginx's 502/504, refused connections). */
export const NO_REPLICA_COLOUR = '#6b6b6b';

/**
 * The text colour with the higher WCAG contrast on a background colour. Black and white contrast
 * equally where (L + 0.05) / 0.05 = 1.05 / (L + 0.05), at a relative luminance L of about 0.179;
 * the earlier threshold of 0.4 put white on Okabe–Ito's green (#009E73, 3.3:1 — below the 4.5:1
 * axe-core asks of small text) where black gives 6.1:1.
 */
export function textOn(background: string): '#000000' | '#ffffff' {
  const hex = background.replace('#', '');
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  return luminance > Math.sqrt(1.05 * 0.05) - 0.05 ? '#000000' : '#ffffff';
}

/** "app-2" → "2"; any other name is kept (compose and Swarm name replicas differently). */
export function shortLabel(replica: string): string {
  return /-(\d+)$/.exec(replica)?.[1] ?? replica;
}

/**
 * Stable colours per replica: the cluster's replicas in their listed order first, then any
 * replica the page meets later (a scaled-up stack) in order of appearance.
 */
export class ReplicaColours {
  private readonly order: string[] = [];

  setKnown(replicas: readonly string[]): void {
    const extra = this.order.filter((r) => !replicas.includes(r));
    this.order.splice(0, this.order.length, ...replicas, ...extra);
  }

  colour(replica: string | null): string {
    if (replica === null) return NO_REPLICA_COLOUR;
    let index = this.order.indexOf(replica);
    if (index < 0) index = this.order.push(replica) - 1;
    return OKABE_ITO[index % OKABE_ITO.length]!;
  }

  /** Every replica seen so far, in colour order. */
  known(): readonly string[] {
    return this.order;
  }
}
