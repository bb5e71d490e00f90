/**
 * Composes docs/BENCHMARKS.md from the fragments each benchmark writes (docs/benchmarks/<name>.md and
 * .json), with the machine's description, and writes docs/benchmarks/all.json for machines.
 */
import { execSync } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { cpus, totalmem } from 'os';
import { resolve } from 'path';

const root = resolve(__dirname, '..');
const names = ['ingest', 'processor', 'sink', 'websocket', 'end-to-end'];

function version(command: string): string {
  try {
    return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  java: version('java -version 2>&1'),
  kafka: '3.9.1 (single node, KRaft, co-located)',
};

const sections: string[] = [];
const all: Record<string, unknown> = { machine, generated_at: new Date().toISOString() };
for (const name of names) {
  const md = resolve(root, `docs/benchmarks/${name}.md`);
  const json = resolve(root, `docs/benchmarks/${name}.json`);
  if (existsSync(json)) all[name] = JSON.parse(readFileSync(json, 'utf8'));
  sections.push(existsSync(md) ? readFileSync(md, 'utf8').trim() : `## ${name}\n\nNot measured in this run.`);
}

const page = `# Benchmarks

Measured by \`npm run bench\` on one machine with the broker co-located. Absolute figures drift from run to
run on shared machines; the comparisons are ratios measured in the same run, over medians of repeated runs.

Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB; Node.js ${machine.node}; ${machine.java}; Kafka ${machine.kafka}.

${sections.join('\n\n')}
`;
writeFileSync(resolve(root, 'docs/BENCHMARKS.md'), page);
writeFileSync(resolve(root, 'docs/benchmarks/all.json'), JSON.stringify(all, null, 2) + '\n');
console.log('wrote docs/BENCHMARKS.md and docs/benchmarks/all.json');
