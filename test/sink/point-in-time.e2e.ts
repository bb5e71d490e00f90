/**
 * Point-in-time reads against real DuckDB and PostgreSQL warehouses: random version histories
 * (late corrections emitted after later windows, session retractions, re-emissions) are loaded
 * through the warehouse loader in random batches, then the point-in-time query's answer for random
 * entity rows must equal an independent computation: per window, the highest version emitted by
 * as_of (if the window had ended by then and that version is not a retraction), per window name the
 * latest such window.
 */
import { execFile } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { promisify } from 'util';
import { DuckDbAdapter, LoadRecord, PostgresAdapter, pointInTimeSql, WarehouseLoader } from '@platform/warehouse';
import { createPgDatabase, queryDuckDbFile, queryParquet, tempDir } from './support';

const MIN = 60_000;
const T0 = 1_767_225_600_000;

interface Version {
  event_type: string;
  group_key: string;
  window_name: string;
  window_start: number;
  window_end: number;
  version: number;
  processed_time: number;
  retracted: boolean;
  count: number;
}

/** A deterministic pseudo-random sequence (the test must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function generate(seed: number): { versions: Version[]; entities: Array<{ event_type: string; group_key: string; as_of: number }> } {
  const r = rng(seed);
  const versions: Version[] = [];
  let id = 0;
  for (const event_type of ['clickstream', 'iot.sensor']) {
    for (const group_key of ['k1', 'k2', 'k3']) {
      for (const window_name of ['tumbling_1m', 'session_30m']) {
        for (let w = 0; w < 8; w++) {
          const window_start = T0 + w * MIN + (window_name === 'session_30m' ? Math.floor(r() * 30_000) : 0);
          const window_end = window_start + MIN;
          let processed_time = window_end + Math.floor(r() * 5_000);
          const n = 1 + Math.floor(r() * 4);
          for (let version = 1; version <= n; version++) {
            // Late corrections can come minutes later, after later windows were emitted.
            if (version > 1) processed_time += Math.floor(r() * 4 * MIN);
            const retracted = window_name === 'session_30m' && version === n && r() < 0.4;
            versions.push({ event_type, group_key, window_name, window_start, window_end, version, processed_time, retracted, count: ++id });
          }
        }
      }
    }
  }
  const entities = new Map<string, { event_type: string; group_key: string; as_of: number }>();
  while (entities.size < 60) {
    const e = { event_type: r() < 0.5 ? 'clickstream' : 'iot.sensor', group_key: `k${1 + Math.floor(r() * 4)}`, as_of: T0 + Math.floor(r() * 14 * MIN) };
    entities.set(`${e.event_type}|${e.group_key}|${e.as_of}`, e);
  }
  return { versions, entities: [...entities.values()] };
}

/** The independent computation: what was known at as_of, by definition. */
function expected(versions: Version[], entities: Array<{ event_type: string; group_key: string; as_of: number }>): string[] {
  const sorted = [...entities].sort((a, b) => (a.event_type < b.event_type ? -1 : a.event_type > b.event_type ? 1 : a.group_key < b.group_key ? -1 : a.group_key > b.group_key ? 1 : a.as_of - b.as_of));
  const out: string[] = [];
  sorted.forEach((e, i) => {
    const known = new Map<string, Version>();
    for (const v of versions) {
      if (v.event_type !== e.event_type || v.group_key !== e.group_key || v.processed_time > e.as_of) continue;
      const id = `${v.window_name}|${v.window_start}`;
      if ((known.get(id)?.version ?? 0) < v.version) known.set(id, v);
    }
    const best = new Map<string, Version>();
    for (const v of known.values()) {
      if (v.retracted || v.window_end > e.as_of) continue;
      if ((best.get(v.window_name)?.window_start ?? -Infinity) < v.window_start) best.set(v.window_name, v);
    }
    for (const [name, v] of [...best].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`${i + 1}|${name}|${v.count}`);
  });
  return out;
}

function records(versions: Version[]): LoadRecord[] {
  return versions.map((v, i) => ({
    kind: 'aggregate',
    value: { ...v, window_kind: v.window_name.startsWith('session') ? 'session' : 'tumbling', sum_value: null, avg_value: null, min_value: null, max_value: null, distinct_users: 1, is_final: false },
    origin: { topic: 'events.aggregated', partition: 0, offset: i, timestamp: v.processed_time, schemaId: 1 },
    extras: [{ field: 'retracted', name: 'retracted', type: 'boolean', nullable: true }],
    ref: i,
  }));
}

/** Loads in batches of random sizes, in commit order (a window's versions in version order). */
async function load(loader: WarehouseLoader, versions: Version[], seed: number): Promise<void> {
  const r = rng(seed);
  const all = records([...versions].sort((a, b) => a.processed_time - b.processed_time));
  for (let i = 0; i < all.length; ) {
    const size = 1 + Math.floor(r() * 40);
    await loader.write(await loader.prepare(all.slice(i, i + size)), []);
    i += size;
  }
}

const values = (entities: Array<{ event_type: string; group_key: string; as_of: number }>, ts: (ms: number) => string) =>
  `(VALUES ${entities.map((e) => `('${e.event_type}', '${e.group_key}', ${ts(e.as_of)})`).join(', ')}) AS ents(event_type, group_key, as_of)`;

describe('point-in-time aggregates (real DuckDB and PostgreSQL)', () => {
  for (const seed of [1, 2, 3]) {
    it(`DuckDB answers what was known at each entity row's time (seed ${seed})`, async () => {
      const { versions, entities } = generate(seed);
      expect(versions.some((v) => v.retracted)).toBe(true);
      const path = join(tempDir('pit-duckdb'), 'warehouse.duckdb');
      const loader = new WarehouseLoader(new DuckDbAdapter({ path, holdOpen: true }));
      await loader.start();
      await load(loader, versions, seed);
      await loader.close();
      const sql = pointInTimeSql('duckdb', values(entities, (ms) => `epoch_ms(${ms})`));
      const rows = await queryDuckDbFile<{ entity_row: bigint; window_name: string; count: bigint }>(path, sql);
      const got = rows.map((row) => `${Number(row.entity_row)}|${row.window_name}|${Number(row.count)}`);
      const want = expected(versions, entities);
      expect(want.length).toBeGreaterThan(20);
      expect(got).toEqual(want);
    });
  }

  it('npm run features writes the same answers as CSV and Parquet from an entity file (ISO and epoch ms times)', async () => {
    const { versions, entities } = generate(11);
    const dir = tempDir('pit-command');
    const path = join(dir, 'warehouse.duckdb');
    const loader = new WarehouseLoader(new DuckDbAdapter({ path, holdOpen: true }));
    await loader.start();
    await load(loader, versions, 11);
    await loader.close();
    const csv = ['event_type,group_key,as_of', ...entities.map((e, i) => `${e.event_type},${e.group_key},${i % 2 ? new Date(e.as_of).toISOString() : e.as_of}`)].join('\n');
    writeFileSync(join(dir, 'rows.csv'), `${csv}\n`);
    const root = resolve(__dirname, '../..');
    const run = (out: string) =>
      promisify(execFile)(process.execPath, ['-r', join(root, 'scripts/register.js'), join(root, 'scripts/features.ts'), '--entities', join(dir, 'rows.csv'), '--out', join(dir, out), '--db', path], { cwd: root });
    const want = expected(versions, entities);
    const printed = await run('training.csv');
    expect(printed.stdout).toContain(`${want.length} rows written`);
    const lines = readFileSync(join(dir, 'training.csv'), 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 5)).toEqual(['entity_row', 'event_type', 'group_key', 'as_of', 'window_name']);
    const col = (name: string) => header.indexOf(name);
    expect(lines.slice(1).map((l) => l.split(',')).map((c) => `${c[col('entity_row')]}|${c[col('window_name')]}|${c[col('count')]}`)).toEqual(want);
    await run('training.parquet');
    const parquet = await queryParquet<{ entity_row: bigint; window_name: string; count: bigint }>((source) => `SELECT * FROM ${source} ORDER BY entity_row, window_name`, [join(dir, 'training.parquet')]);
    expect(parquet.map((row) => `${Number(row.entity_row)}|${row.window_name}|${Number(row.count)}`)).toEqual(want);
    // A missing entity file is a clear error that writes nothing.
    await expect(promisify(execFile)(process.execPath, ['-r', join(root, 'scripts/register.js'), join(root, 'scripts/features.ts'), '--entities', join(dir, 'nope.csv'), '--out', join(dir, 'x.csv'), '--db', path], { cwd: root })).rejects.toMatchObject({ code: 2 });
  });

  it('PostgreSQL gives the same answers', async () => {
    const { versions, entities } = generate(7);
    const db = await createPgDatabase();
    try {
      const loader = new WarehouseLoader(new PostgresAdapter({ connectionString: db.url }));
      await loader.start();
      await load(loader, versions, 7);
      await loader.close();
      const sql = pointInTimeSql('postgres', values(entities, (ms) => `to_timestamp(${ms} / 1000.0)`));
      const rows = (await db.client.query(sql)).rows as Array<{ entity_row: string; window_name: string; count: string }>;
      expect(rows.map((row) => `${Number(row.entity_row)}|${row.window_name}|${Number(row.count)}`)).toEqual(expected(versions, entities));
    } finally {
      await db.drop();
    }
  });
});
