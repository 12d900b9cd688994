// Prisma 7 reads the connection URL from here rather than from schema.prisma.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Not `env('DATABASE_URL')`: that throws when the variable is unset, and `prisma generate`
  // (run by `npm test` and `npm run build`) needs no database at all. Commands that do need one
  // fail with Prisma's own clear message instead.
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
