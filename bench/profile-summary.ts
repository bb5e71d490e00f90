/**
 * Where a CPU profile's time goes: self time grouped by layer (kafkajs, fastify, NestJS, avsc, the
 * platform's own code, Node.js internals, GC, idle) and the heaviest functions, from the
 * `.cpuprofile` files `node --cpu-prof` writes (bench/ingest.ts --profile DIR runs the API with it).
 *   node -r ./scripts/register.js bench/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'fs';
import { option } from './support';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The layer a frame belongs to, by its script's path. */
export function layerOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8 / native';
  // The innermost package: fastify nested under @nestjs/platform-fastify counts as Fastify.
  const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) {
    const pkg = m[1];
    if (pkg.startsWith('@nestjs/')) return 'NestJS';
    if (pkg === 'fastify' || pkg.startsWith('@fastify/') || pkg === 'find-my-way' || pkg === 'light-my-request' || pkg === 'fast-json-stringify') return 'Fastify';
    return pkg;
  }
  if (url.includes('/apps/ingest-api/')) return 'ingest API';
  if (url.includes('/libs/')) return 'platform libs';
  if (url.startsWith('node:') || url === '') return 'Node.js (net, http, streams, timers)';
  return 'other';
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  layers: Array<{ layer: string; ms: number; share: number }>;
  functions: Array<{ fn: string; layer: string; ms: number; share: number }>;
}

export function summarize(profile: Profile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // A sample's time is the gap since the previous one, capped at ten typical gaps: a process that other
  // work kept off the CPU would otherwise charge seconds to whatever function happened to be sampled next.
  const gaps = [...profile.timeDeltas].sort((a, b) => a - b);
  const cap = 10 * (gaps[gaps.length >> 1] ?? 1000);
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + Math.min(cap, profile.timeDeltas[i] ?? 0));
  const layers = new Map<string, number>();
  const functions = new Map<string, { layer: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const layer = layerOf(frame.url, frame.functionName);
    total += us;
    if (layer === 'idle') idle += us;
    layers.set(layer, (layers.get(layer) ?? 0) + us);
    const file = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(apps|libs)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    const entry = functions.get(key) ?? { layer, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const busy = total - idle;
  const share = (us: number) => Math.round((us / busy) * 1000) / 10;
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    layers: [...layers]
      .filter(([layer]) => layer !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([layer, us]) => ({ layer, ms: Math.round(us / 1000), share: share(us) })),
    functions: [...functions]
      .filter(([, e]) => e.layer !== 'idle')
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([fn, e]) => ({ fn, layer: e.layer, ms: Math.round(e.us / 1000), share: share(e.us) })),
  };
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--top N]');
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, option('top', 25));
  console.log(`busy ${summary.busyMs} ms of ${summary.totalMs} ms sampled\n`);
  console.log('| layer | self ms | share of busy |\n|---|---|---|');
  for (const l of summary.layers) console.log(`| ${l.layer} | ${l.ms} | ${l.share}% |`);
  console.log('\n| function | layer | self ms | share |\n|---|---|---|---|');
  for (const f of summary.functions) console.log(`| \`${f.fn}\` | ${f.layer} | ${f.ms} | ${f.share}% |`);
}
