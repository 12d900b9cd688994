// `npm run admin -- key create --scope read|write [--label text]` / `key revoke <id>` / `key list`.
// Talks to PostgreSQL directly (DATABASE_URL), so it works while no replica runs. The key is
// printed once: only its hash is stored, and nobody can show it again.
import os from 'node:os';
import pino from 'pino';
import { loadConfig } from '../../config/config';
import { closePostgres, createPostgres } from '../../infra/database';
import { auditLog } from '../audit/audit-log';
import { createApiKey, revokeApiKey } from './api-keys';

const USAGE = `usage: npm run admin -- key create --scope read|write [--label text]
       npm run admin -- key revoke <id>
       npm run admin -- key list`;

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(args: string[]): Promise<number> {
  const [noun, verb, ...rest] = args;
  if (noun !== 'key' || !verb) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const postgres = createPostgres(config.databaseUrl, 10_000);
  const { prisma } = postgres;
  const audit = auditLog(postgres.pool, `cli@${os.hostname()}`, 10_000, pino({ level: 'silent' }));
  try {
    if (verb === 'create') {
      const scope = option(rest, '--scope');
      if (scope !== 'read' && scope !== 'write') {
        process.stderr.write(`--scope must be read or write\n${USAGE}\n`);
        return 2;
      }
      const label = option(rest, '--label') ?? `created ${new Date().toISOString()}`;
      const created = await createApiKey(prisma, scope, label);
      await audit.write({ action: 'API_KEY_CREATED', actor: 'cli', target: created.id, details: { scope, label } });
      process.stdout.write(`${created.key}\n`);
      process.stderr.write(`key ${created.id} (scope ${scope}) created; it is shown only this once — send it as X-API-Key\n`);
      return 0;
    }
    if (verb === 'revoke') {
      const id = rest[0];
      if (!id) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const revoked = await revokeApiKey(prisma, id);
      if (revoked) await audit.write({ action: 'API_KEY_REVOKED', actor: 'cli', target: id });
      process.stderr.write(revoked ? `key ${id} revoked\n` : `no active key ${id}\n`);
      return revoked ? 0 : 1;
    }
    if (verb === 'list') {
      const keys = await prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' }, select: { id: true, scope: true, label: true, createdAt: true, revokedAt: true } });
      for (const k of keys) {
        process.stdout.write(`${k.id}  ${k.scope.padEnd(5)}  ${k.revokedAt ? 'revoked' : 'active '}  ${k.createdAt.toISOString()}  ${k.label}\n`);
      }
      return 0;
    }
    process.stderr.write(`${USAGE}\n`);
    return 2;
  } finally {
    await closePostgres(postgres);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`admin failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
