import type { Database } from './database';

const ADJECTIVES = ['Sturdy', 'Quiet', 'Rapid', 'Bright', 'Compact'];
const NOUNS = ['Kettle', 'Lamp', 'Notebook', 'Backpack', 'Headphones', 'Mug', 'Chair', 'Router', 'Keyboard', 'Clock'];

/** Deterministic demo data, so every classroom sees the same products in the same order. */
export function seedProducts() {
  return NOUNS.flatMap((noun, n) =>
    ADJECTIVES.map((adjective, a) => {
      const index = n * ADJECTIVES.length + a + 1;
      return {
        sku: `SL-${String(index).padStart(4, '0')}`,
        name: `${adjective} ${noun}`,
        description: `A ${adjective.toLowerCase()} ${noun.toLowerCase()} for the statelab shop.`,
        priceCents: 499 + ((index * 733) % 20_000),
        stock: (index * 37) % 120,
      };
    }),
  );
}

export const seedUsers = [
  { email: 'ada@statelab.test', name: 'Ada Lovelace' },
  { email: 'alan@statelab.test', name: 'Alan Turing' },
  { email: 'grace@statelab.test', name: 'Grace Hopper' },
  { email: 'edsger@statelab.test', name: 'Edsger Dijkstra' },
  { email: 'barbara@statelab.test', name: 'Barbara Liskov' },
];

/** Seeds users and products when the tables are empty; a second call changes nothing. */
export async function seedIfEmpty(prisma: Database): Promise<{ seeded: boolean }> {
  if ((await prisma.product.count()) > 0) return { seeded: false };
  await prisma.$transaction([
    prisma.user.createMany({ data: seedUsers, skipDuplicates: true }),
    prisma.product.createMany({ data: seedProducts(), skipDuplicates: true }),
  ]);
  return { seeded: true };
}
