// Mutation score per module, and the surviving mutants with --survivors. Exits 1 when a module is
// under its target: 85% for a lib (libs/<name>), 75% for an app's pure modules (apps/<name>).
//   node scripts/mutation-summary.js [--survivors] [--files] [report.json]
// By default it reads the committed incremental file (test/mutation/stryker-incremental.json), which
// holds every file measured so far, on any machine: Stryker carries the results of files outside a
// run's --mutate over into the file it writes. reports/mutation/mutation.json holds the same for the
// last run. A file whose source has changed since it was measured is marked "stale": Stryker reuses
// the results of its unchanged parts and retests the rest on the next run over it.
const fs = require('fs');
const path = require('path');
const args = process.argv.slice(2);
const showSurvivors = args.includes('--survivors');
const showFiles = args.includes('--files');
const file = args.find((a) => !a.startsWith('--')) ?? 'test/mutation/stryker-incremental.json';
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const root = path.join(__dirname, '..');
const DETECTED = new Set(['Killed', 'Timeout']);
const VALID = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);
// Not in the score, but said: a mutant whose test run crashed the jest worker (RuntimeError) or that
// did not compile (CompileError, with the type checker on).
const ERRORS = new Set(['RuntimeError', 'CompileError']);

function tally(mutants) {
  let detected = 0;
  let valid = 0;
  let errors = 0;
  for (const mutant of mutants) {
    if (ERRORS.has(mutant.status)) errors++;
    if (!VALID.has(mutant.status)) continue;
    valid++;
    if (DETECTED.has(mutant.status)) detected++;
  }
  return { detected, valid, errors };
}

function isStale(name, source) {
  try {
    return fs.readFileSync(path.join(root, name), 'utf8').replace(/\r\n/g, '\n') !== source.replace(/\r\n/g, '\n');
  } catch {
    return true;
  }
}

const score = ({ detected, valid }) => (valid === 0 ? 100 : (100 * detected) / valid);
const modules = new Map();
for (const [name, result] of Object.entries(report.files)) {
  const module = name.split('/').slice(0, 2).join('/');
  const m = modules.get(module) ?? { detected: 0, valid: 0, errors: 0, files: [], survivors: [] };
  const counts = tally(result.mutants);
  m.detected += counts.detected;
  m.valid += counts.valid;
  m.errors += counts.errors;
  m.files.push({ name, ...counts, stale: isStale(name, result.source) });
  for (const mutant of result.mutants) {
    if (DETECTED.has(mutant.status) || !(VALID.has(mutant.status) || ERRORS.has(mutant.status))) continue;
    const { line, column } = mutant.location.start;
    m.survivors.push(`${mutant.status} ${name}:${line}:${column} ${mutant.mutatorName} ${JSON.stringify(mutant.replacement ?? '')}`);
  }
  modules.set(module, m);
}

let failed = false;
for (const [module, m] of [...modules].sort(([a], [b]) => a.localeCompare(b))) {
  const target = module.startsWith('libs/') ? 85 : 75;
  const ok = score(m) >= target;
  failed ||= !ok;
  const stale = m.files.filter((f) => f.stale).length;
  console.log(
    `${ok ? 'ok  ' : 'LOW '} ${module.padEnd(24)} ${score(m).toFixed(2).padStart(6)}%  (${m.detected}/${m.valid}, target ${target}%, ` +
      `${m.files.length} file${m.files.length === 1 ? '' : 's'}${stale ? `, ${stale} stale` : ''}${m.errors ? `, ${m.errors} errors not scored` : ''})`,
  );
  if (showFiles) {
    for (const f of m.files.sort((a, b) => a.name.localeCompare(b.name))) {
      console.log(`       ${f.name.padEnd(56)} ${score(f).toFixed(2).padStart(6)}%  (${f.detected}/${f.valid})${f.errors ? ` +${f.errors} errors` : ''}${f.stale ? ' stale' : ''}`);
    }
  }
  if (showSurvivors) for (const s of m.survivors) console.log(`       ${s}`);
}
process.exit(failed ? 1 : 0);
