// `npm run db:seed`: seeds an empty database (users and products); a second run changes nothing.
import { closePostgres, createPostgres } from '../src/infra/database';
import { seedIfEmpty } from '../src/boot/seed';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const postgres = createPostgres(url, 10_000);
  try {
    const client = await postgres.pool.connect();
    const { seeded } = await seedIfEmpty(client).finally(() => client.release());
    process.stdout.write(seeded ? 'seeded users and products\n' : 'database already has data; nothing seeded\n');
  } finally {
    await closePostgres(postgres);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
