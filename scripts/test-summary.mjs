// Prints "N passed, N failed" from a vitest JSON report, alone on the last line, for CI to count.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.test-results/report.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`test-summary: cannot read ${file}: ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// Suites that fail to load count as failures too: vitest reports them per file, not per test.
const failedFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
const failed = (report.numFailedTests ?? 0) + failedFiles;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
