// Prints one line from jest's JSON results: "N passed, N failed[, N skipped]".
const fs = require('fs');
const file = process.argv[2] || 'reports/jest.json';
if (!fs.existsSync(file)) {
  console.log('0 passed, 1 failed (jest wrote no results)');
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
// Suites that failed to run (syntax errors, setup failures) count as failures too.
const brokenSuites = (r.testResults || []).filter((s) => s.status === 'failed' && (s.assertionResults || []).length === 0).length;
const failed = r.numFailedTests + brokenSuites;
const skipped = r.numPendingTests + (r.numTodoTests || 0);
console.log(`${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
