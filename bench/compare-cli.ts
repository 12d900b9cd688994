// `npm run bench:compare -- A B`: A and B are result directories or results.json files.
import { compareResults, formatComparison, loadResults } from './compare';

function main(argv: string[]): number {
  const paths = argv.filter((a) => a !== '--');
  if (paths.length !== 2 || paths.some((p) => p === '-h' || p === '--help')) {
    process.stderr.write('usage: npm run bench:compare -- <results A (dir or results.json)> <results B>\n');
    return paths.some((p) => p === '-h' || p === '--help') ? 0 : 2;
  }
  const [a, b] = paths as [string, string];
  const comparison = compareResults(loadResults(a), loadResults(b));
  process.stdout.write(formatComparison(comparison, a, b));
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`[bench:compare] error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
