/**
 * Composes docs/BENCHMARKS.md from the fragments each benchmark writes (docs/benchmarks/<name>.md and
 * .json), with the machine's description, and writes docs/benchmarks/all.json for machines.
 */
import { execSync } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { cpus, totalmem } from 'os';
import { resolve } from 'path';

const root = resolve(__dirname, '..');
const names = ['ingest', 'processor', 'sink', 'websocket', 'serving', 'end-to-end', 'soak'];

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
  // the broker version deploy/local/kafka.sh runs (KAFKA_VERSION, 4.4.0 by default)
  kafka: `${version(`bash ${resolve(root, 'deploy/local/kafka.sh')} version`)} (single node, KRaft, co-located)`,
};

const sections: string[] = [];
const all: Record<string, unknown> = { machine, generated_at: new Date().toISOString() };
for (const name of names) {
  const md = resolve(root, `docs/benchmarks/${name}.md`);
  const json = resolve(root, `docs/benchmarks/${name}.json`);
  if (existsSync(json)) all[name] = JSON.parse(readFileSync(json, 'utf8'));
  sections.push(existsSync(md) ? readFileSync(md, 'utf8').trim() : `## ${name}\n\nNot measured in this run.`);
}

/** The app whose RSS grew most in the soak (`npm run soak`, written to docs/benchmarks/soak.json). */
function soakGrowth(soak: { minutes?: number; rate?: number; rows?: Array<{ app: string; growthPct: number }> } | undefined): string {
  if (!soak?.rows?.length) return '—';
  const worst = soak.rows.reduce((a, b) => (b.growthPct > a.growthPct ? b : a));
  return `${worst.growthPct}% (${worst.app}; ${soak.minutes} min at ${soak.rate} events/s)`;
}

/** One line per target of the brief, from the fragments' JSON (a dash where a benchmark did not run). */
function summary(): string {
  const j = all as Record<string, any>;
  const cell = (value: unknown, unit = '') => (value === undefined || value === null ? '—' : `${value}${unit}`);
  const pct = (ratio: unknown) => (typeof ratio === 'number' ? `${Math.round(ratio * 100)}%` : '—');
  const rows = [
    ['Ingest batch vs kafka-producer-perf-test', '≥ 60%', pct(j.ingest?.batch_vs_perf_test_ratio)],
    ['Ingest batch events/s', '≥ 40,000 events/s', cell(j.ingest?.batch_events_per_s, ' events/s')],
    ['Ingest, one event per POST', '≥ 8,000 req/s', cell(j.ingest?.single_req_per_s, ' req/s')],
    ['Ingest p99 at 5,000 req/s', '< 25 ms', `${cell(j.ingest?.paced_5000_p99_ms, ' ms')} (at ${cell(j.ingest?.paced_achieved_req_per_s, ' req/s')} achieved)`],
    ['Processor, exactly-once', '≥ 100,000 events/s', `${cell(j.processor?.processor_events_per_sec_median, ' events/s')} (${pct(j.processor?.ratio)} of kafka-consumer-perf-test)`],
    ['Produce to committed aggregate, beyond window close (p95)', '< 500 ms', cell(j.processor?.latency_beyond_close_ms?.p95, ' ms')],
    ['WebSocket p99, 1,000 subscribers at 5,000 events/s (keyed)', '< 100 ms', cell(j.websocket?.keyed?.p99_ms, ' ms')],
    ['Online aggregate lookup p99 at 2,000/s, with JWT (embedded / Redis store)', '< 10 ms', `${cell(j.serving?.memory?.api_p99_ms, ' ms')} / ${cell(j.serving?.redis?.api_p99_ms, ' ms')}`],
    ['Aggregate commit to servable (p95, embedded / Redis)', '< 1 s', `${cell(j.serving?.memory?.freshness_p95_ms, ' ms')} / ${cell(j.serving?.redis?.freshness_p95_ms, ' ms')}`],
    ['POST to warehouse row (p95)', '—', cell(j['end-to-end']?.p95_ms, ' ms')],
    ['Sink rows/s: DuckDB / PostgreSQL / lake', '—', `${cell(j.sink?.duckdb_rows_per_s)} / ${cell(j.sink?.postgres_rows_per_s)} / ${cell(j.sink?.lake_rows_per_s)}`],
    ['RSS growth over the soak, worst app', '< 10%', soakGrowth(j.soak)],
  ];
  return `## Against the brief's targets\n\n| measure | target | measured (median) |\n|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`;
}

const page = `# Benchmarks

Measured by \`npm run bench\` on one machine with the broker co-located. Absolute figures drift from run to
run on shared machines; the comparisons are ratios measured in the same run, over medians of repeated runs.

Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB; Node.js ${machine.node}; ${machine.java}; Kafka ${machine.kafka}.

${summary()}

${sections.join('\n\n')}
`;
writeFileSync(resolve(root, 'docs/BENCHMARKS.md'), page);
writeFileSync(resolve(root, 'docs/benchmarks/all.json'), JSON.stringify(all, null, 2) + '\n');
console.log('wrote docs/BENCHMARKS.md and docs/benchmarks/all.json');
