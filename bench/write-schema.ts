// Regenerates bench/results.schema.json from the zod schema: `tsx bench/write-schema.ts`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { resultsJsonSchema } from './results-schema';

const file = path.join(__dirname, 'results.schema.json');
writeFileSync(file, `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
