import { hashPassword } from '../features/auth/password';
import type { ClientBase } from 'pg';

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

/**
 * Seeds users and products when the tables are empty, and gives demo users without a password
 * their demo password (hashed); a second call changes nothing. One transaction, so a replica
 * that dies half-way leaves nothing half-seeded.
 *
 * Teaching note: plain SQL, like seedNeeded and for the same reason. On a fresh database one
 * replica seeds at boot, and through Prisma that replica alone would load the query compiler and
 * carry ~80 MB more than its siblings for the rest of its life (docs/benchmarking.md). The rows
 * are the ones the Prisma models describe (prisma/schema.prisma); the test reads them back
 * through Prisma.
 */
export async function seedIfEmpty(client: Pick<ClientBase, 'query'>): Promise<{ seeded: boolean }> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM products) AS empty');
    const seeded = rows[0]?.empty ?? false;
    if (seeded) {
      await client.query(
        `INSERT INTO users (email, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (email) DO NOTHING`,
        [seedUsers.map((u) => u.email), seedUsers.map((u) => u.name)],
      );
      const products = seedProducts();
      await client.query(
        `INSERT INTO products (sku, name, description, price_cents, stock)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[]) ON CONFLICT (sku) DO NOTHING`,
        [
          products.map((p) => p.sku),
          products.map((p) => p.name),
          products.map((p) => p.description),
          products.map((p) => p.priceCents),
          products.map((p) => p.stock),
        ],
      );
    }
    // A database seeded before logins existed gets the demo passwords now.
    const missing = await client.query<{ id: number; email: string }>(
      'SELECT id, email FROM users WHERE email = ANY($1) AND password_hash IS NULL ORDER BY id',
      [seedUsers.map((u) => u.email)],
    );
    for (const user of missing.rows) {
      await client.query('UPDATE users SET password_hash = $1 WHERE id = $2', [await hashPassword(seedPassword(user.email)), user.id]);
    }
    await client.query('COMMIT');
    return { seeded };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
