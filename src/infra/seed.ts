import { hashPassword } from '../features/auth/password';
import type { ClientBase } from 'pg';
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

/**
 * The demo password of a seeded user: `statelab-` and the first name in lower case
 * (ada@statelab.test → statelab-ada). Public on purpose — these are classroom accounts.
 */
export function seedPassword(email: string): string {
  return `statelab-${email.slice(0, email.indexOf('@'))}`;
}

/** Gives seeded users without a password their demo password (hashed); later calls change nothing. */
async function seedPasswords(prisma: Database): Promise<void> {
  const missing = await prisma.user.findMany({
    where: { email: { in: seedUsers.map((u) => u.email) }, passwordHash: null },
    select: { id: true, email: true },
  });
  for (const user of missing) {
    await prisma.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(seedPassword(user.email)) } });
  }
}

/**
 * Whether seedIfEmpty has anything to do, asked in plain SQL: every replica asks at boot, and
 * through Prisma the question alone would load its query compiler (src/infra/database.ts).
 * The same two conditions as seedIfEmpty: no products yet, or a demo user without a password.
 */
export async function seedNeeded(client: Pick<ClientBase, 'query'>): Promise<boolean> {
  const { rows } = await client.query<{ needed: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM products)
         OR EXISTS (SELECT 1 FROM users WHERE email = ANY($1) AND password_hash IS NULL) AS needed`,
    [seedUsers.map((u) => u.email)],
  );
  return rows[0]?.needed ?? true;
}

/** Seeds users and products when the tables are empty; a second call changes nothing. */
export async function seedIfEmpty(prisma: Database): Promise<{ seeded: boolean }> {
  if ((await prisma.product.count()) > 0) {
    // A database seeded before logins existed gets the demo passwords now.
    await seedPasswords(prisma);
    return { seeded: false };
  }
  await prisma.$transaction([
    prisma.user.createMany({ data: seedUsers, skipDuplicates: true }),
    prisma.product.createMany({ data: seedProducts(), skipDuplicates: true }),
  ]);
  await seedPasswords(prisma);
  return { seeded: true };
}
