// Mutation score per module from Stryker's JSON report (reports/mutation/mutation.json), and the
// surviving mutants with --survivors. Exits 1 when a module is under its target: 85% for a lib
// (libs/<name>), 75% for an app's pure modules (apps/<name>). Used by `npm run test:mutation`.
//   node scripts/mutation-summary.js [--survivors] [report.json]
const fs = require('fs');
const args = process.argv.slice(2);
const showSurvivors = args.includes('--survivors');
const file = args.find((a) => !a.startsWith('--')) ?? 'reports/mutation/mutation.json';
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const DETECTED = new Set(['Killed', 'Timeout']);
const VALID = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);
const modules = new Map();
for (const [path, result] of Object.entries(report.files)) {
  const module = path.split('/').slice(0, 2).join('/');
  const m = modules.get(module) ?? { detected: 0, valid: 0, survivors: [] };
  for (const mutant of result.mutants) {
    if (!VALID.has(mutant.status)) continue;
    m.valid++;
    if (DETECTED.has(mutant.status)) m.detected++;
    else m.survivors.push(`${mutant.status} ${path}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.mutatorName} ${JSON.stringify(mutant.replacement ?? '')}`);
  }
  modules.set(module, m);
}
let failed = false;
for (const [module, m] of [...modules].sort()) {
  const target = module.startsWith('libs/') ? 85 : 75;
  const score = m.valid === 0 ? 100 : (100 * m.detected) / m.valid;
  const ok = score >= target;
  failed ||= !ok;
  console.log(`${ok ? 'ok  ' : 'LOW '} ${module.padEnd(24)} ${score.toFixed(2).padStart(6)}%  (${m.detected}/${m.valid}, target ${target}%)`);
  if (showSurvivors) for (const s of m.survivors) console.log(`       ${s}`);
}
process.exit(failed ? 1 : 0);
