// Merges Stryker incremental reports measured separately (other clones, or runs given their own
// --incrementalFile) into the committed one, so that modules measured in parallel add up:
//   node scripts/mutation-merge.js other.json [more.json ...] [--into test/mutation/stryker-incremental.json]
// Per source file, the result kept is that of the last report (in argument order, the --into file
// first) whose stored source matches the working tree, else the --into file's own. Test ids are local
// to a report, so tests are re-identified by Stryker's own key (spec file, location and name) and every
// mutant's coveredBy/killedBy is rewritten to the merged ids; a test whose spec changed since it ran is
// dropped from them, which only means its mutants are retested on the next run.
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const intoAt = args.indexOf('--into');
const into = intoAt >= 0 ? args[intoAt + 1] : 'test/mutation/stryker-incremental.json';
const others = args.filter((a, i) => a !== '--into' && (intoAt < 0 || i !== intoAt + 1));
if (others.length === 0) {
  console.error('usage: node scripts/mutation-merge.js other.json [more.json ...] [--into file.json]');
  process.exit(2);
}
const root = path.join(__dirname, '..');
const reports = [into, ...others].map((file) => JSON.parse(fs.readFileSync(file, 'utf8')));

const normalize = (text) => text.replace(/\r\n/g, '\n');
function onDisk(name) {
  try {
    return normalize(fs.readFileSync(path.join(root, name), 'utf8'));
  } catch {
    return undefined;
  }
}
const matchesDisk = (name, source) => source !== undefined && onDisk(name) === normalize(source);
const testKey = (file, test) => `${file}@${JSON.stringify(test.location?.start ?? null)}\n${test.name}`;

// Tests: per spec file, the entries of every report whose copy of the spec is the current one.
const testFiles = {};
const keyOf = new Map(); // `${report}:${id}` -> key
const newIdOf = new Map(); // key -> merged id
reports.forEach((report, r) => {
  for (const [file, entry] of Object.entries(report.testFiles ?? {})) {
    const current = matchesDisk(file, entry.source);
    const kept = testFiles[file];
    if (!current && kept) continue;
    if (current && kept && !kept.current) delete testFiles[file];
    const target = (testFiles[file] ??= { current, source: entry.source, tests: [] });
    for (const test of entry.tests) {
      const key = testKey(file, test);
      keyOf.set(`${r}:${test.id}`, key);
      if (newIdOf.has(key)) continue;
      newIdOf.set(key, String(newIdOf.size));
      target.tests.push({ ...test, id: newIdOf.get(key) });
    }
  }
});
const liveKeys = new Set(Object.entries(testFiles).flatMap(([file, entry]) => entry.tests.map((t) => testKey(file, t))));
const remap = (r, ids) =>
  ids === undefined ? undefined : [...new Set(ids.map((id) => keyOf.get(`${r}:${id}`)).filter((k) => k && liveKeys.has(k)).map((k) => newIdOf.get(k)))];

// Source files: a result whose source is current wins; among those, one that differs from the --into
// file's (a report that only carried the file over holds the same result), the last of them.
const files = {};
const chosen = {};
const outcome = (entry) => JSON.stringify(entry.mutants.map((m) => [m.mutatorName, m.replacement, m.location, m.status]));
const rank = (file, entry) => {
  const base = reports[0].files?.[file];
  return (matchesDisk(file, entry.source) ? 2 : 0) + (!base || outcome(base) !== outcome(entry) || base.source !== entry.source ? 1 : 0);
};
reports.forEach((report, r) => {
  for (const [file, entry] of Object.entries(report.files ?? {})) {
    const score = rank(file, entry);
    if (!chosen[file] || score >= chosen[file].score) chosen[file] = { r, entry, score };
  }
});
let mutantId = 0;
for (const [file, { r, entry }] of Object.entries(chosen).sort(([a], [b]) => a.localeCompare(b))) {
  files[file] = {
    ...entry,
    mutants: entry.mutants.map((mutant) => ({
      ...mutant,
      id: String(mutantId++),
      coveredBy: remap(r, mutant.coveredBy),
      killedBy: remap(r, mutant.killedBy),
    })),
  };
}

const merged = {
  ...reports[0],
  files,
  testFiles: Object.fromEntries(Object.entries(testFiles).map(([file, { source, tests }]) => [file, { source, tests }])),
};
fs.writeFileSync(into, JSON.stringify(merged));
const taken = Object.values(chosen).reduce((counts, { r }) => ((counts[r] = (counts[r] ?? 0) + 1), counts), {});
console.log(
  `merged into ${into}: ${Object.keys(files).length} files (${[into, ...others].map((f, i) => `${taken[i] ?? 0} from ${f}`).join(', ')}), ${newIdOf.size} tests`,
);
