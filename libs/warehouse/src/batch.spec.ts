import fc from 'fast-check';
import { baseTableSpec } from './columns';
import { chunk, keyOf, replaces, rowValues, selectRows } from './batch';
import { Row } from './rows';

const aggregates = baseTableSpec('analytics.aggregated_events');
const raw = baseTableSpec('raw.events');

const aggArb = fc.record({
  window_start: fc.constantFrom(0, 60_000),
  window_name: fc.constantFrom('tumbling_1m', 'sliding_5m_1m'),
  event_type: fc.constant('iot.sensor'),
  group_key: fc.constantFrom('a', 'b', 'c'),
  version: fc.integer({ min: 1, max: 6 }),
  tag: fc.integer(),
});

describe('one row per key within a batch', () => {
  it('keeps the highest version per aggregate key, whatever the arrival order (the first of equal versions)', () => {
    fc.assert(
      fc.property(fc.array(aggArb, { maxLength: 60 }), (rows) => {
        const chosen = selectRows(aggregates, rows);
        const keys = new Set(rows.map((r) => keyOf(r, aggregates.key)));
        expect(chosen).toHaveLength(keys.size);
        for (const row of chosen) {
          const same = rows.filter((r) => keyOf(r, aggregates.key) === keyOf(row, aggregates.key));
          const max = Math.max(...same.map((r) => r.version));
          expect(row.version).toBe(max);
          expect(row).toBe(same.find((r) => r.version === max));
        }
      }),
    );
  });

  it('applying batches one after another equals applying everything at once (older versions arriving later never win)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(aggArb, { maxLength: 20 }), { maxLength: 6 }), (batches) => {
        const table = new Map<string, Row>();
        for (const batch of batches) {
          for (const row of selectRows(aggregates, batch)) {
            const k = keyOf(row, aggregates.key);
            if (replaces(aggregates, row, table.get(k))) table.set(k, row);
          }
        }
        const all = selectRows(aggregates, batches.flat());
        expect(new Map(all.map((r) => [keyOf(r, aggregates.key), r.version]))).toEqual(new Map([...table].map(([k, r]) => [k, r.version])));
      }),
    );
  });

  it('keeps the first copy of an event id, and a stored event is never replaced', () => {
    const rows = [
      { event_id: 'a', offset: 1 },
      { event_id: 'b', offset: 2 },
      { event_id: 'a', offset: 3 },
    ];
    expect(selectRows(raw, rows)).toEqual([rows[0], rows[1]]);
    expect(replaces(raw, rows[2], rows[0])).toBe(false);
    expect(replaces(raw, rows[2], undefined)).toBe(true);
  });

  it('chunks and orders values by column', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(() => chunk([1], 0)).toThrow(/positive/);
    const values = rowValues({ columns: [{ name: 'b', type: 'string', nullable: true }, { name: 'a', type: 'bigint', nullable: true }] }, { a: 1 });
    expect(values).toEqual([null, 1]);
  });
});

describe('batch helpers, edge cases', () => {
  it('keys of several columns never run together', () => {
    const spec = { key: ['a', 'b'], conflict: { kind: 'keep-existing' as const } };
    const rows = [
      { a: 'xy', b: '' },
      { a: 'x', b: 'y' },
      { a: 'x', b: 'y', n: 2 },
    ];
    expect(selectRows(spec, rows)).toEqual([rows[0], rows[1]]);
    expect(keyOf({ a: 1, b: null }, ['a', 'b'])).toBe('1\u0000null');
  });

  it('a newer-version-wins table keeps the first of equal versions and compares versions as numbers', () => {
    const rows = [
      { window_start: 0, window_name: 'w', event_type: 'x', group_key: 'g', version: '9', n: 1 },
      { window_start: 0, window_name: 'w', event_type: 'x', group_key: 'g', version: '10', n: 2 },
      { window_start: 0, window_name: 'w', event_type: 'x', group_key: 'g', version: 10, n: 3 },
    ];
    expect(selectRows(aggregates, rows)).toEqual([rows[1]]);
    expect(replaces(aggregates, rows[1], rows[0])).toBe(true);
    expect(replaces(aggregates, rows[2], rows[1])).toBe(false);
    expect(replaces(aggregates, rows[0], rows[1])).toBe(false);
    expect(replaces(aggregates, rows[0], undefined)).toBe(true);
  });

  it('chunks: exact multiples, empty input, and sizes that are not positive integers refused with the size', () => {
    expect(chunk([1, 2, 3, 4], 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(chunk([1, 2], 5)).toEqual([[1, 2]]);
    expect(chunk([], 3)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow('chunk size must be a positive integer, got 0');
    expect(() => chunk([1], -2)).toThrow('chunk size must be a positive integer, got -2');
    expect(() => chunk([1], 1.5)).toThrow('chunk size must be a positive integer, got 1.5');
    expect(chunk([1, 2], 1)).toEqual([[1], [2]]);
  });

  it('row values keep falsy values and turn only absent ones into null', () => {
    const spec = { columns: ['a', 'b', 'c', 'd'].map((name) => ({ name, type: 'string' as const, nullable: true })) };
    expect(rowValues(spec, { a: 0, b: '', c: false, d: null })).toEqual([0, '', false, null]);
  });
});
