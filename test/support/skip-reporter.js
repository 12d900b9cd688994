// A Jest reporter that names every test that did not run, so a skip is never mistaken for a
// pass. Jest keeps no reason for a skip: a test that may skip must say why in its own name, and
// that name is what is printed. With STATELAB_TEST_SUMMARY set (scripts/test.mjs sets it), the
// run's counts and skipped tests are also appended to that file as one JSON line, for the summary
// `npm test` prints at its very end.
const { appendFileSync } = require('node:fs');
const path = require('node:path');

const NOT_RUN = new Set(['pending', 'todo', 'skipped', 'disabled']);

class SkipReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      const where = path.relative(this.rootDir, file.testFilePath);
      for (const test of file.testResults) {
        if (NOT_RUN.has(test.status)) skipped.push(`${where} › ${[...test.ancestorTitles, test.title].join(' › ')} (${test.status})`);
      }
    }
    const lines = skipped.length ? [`skipped tests (${skipped.length}):`, ...skipped.map((s) => `  - ${s}`)] : ['skipped tests: none'];
    process.stderr.write(`\n${lines.join('\n')}\n`);
    if (process.env.STATELAB_TEST_SUMMARY) {
      const summary = {
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: skipped.length,
        // A file that could not run at all (a throw at load, a failed beforeAll hook's file) has
        // no failed test of its own to count.
        suitesFailedToRun: results.numRuntimeErrorTestSuites,
        skippedTests: skipped,
      };
      appendFileSync(process.env.STATELAB_TEST_SUMMARY, `${JSON.stringify(summary)}\n`);
    }
  }
}

module.exports = SkipReporter;
