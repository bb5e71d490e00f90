import fc from 'fast-check';
import type { RangeRule } from '@platform/runtime';
import { ReferenceTable } from './reference-table';
import { brokenRule } from './rules';

const reference = new ReferenceTable();
for (const { key, value } of ReferenceTable.seedRecords({
  symbols: { AAPL: 'Technology', JPM: 'Financials' },
  fx_rates: { USD: 1, EUR: 1.08 },
}))
  reference.apply(key, value);

const transactionRules: RangeRule[] = [
  { field: 'amount', min: 0, exclusiveMin: true },
  { field: 'symbol', oneOfReference: 'symbols' },
];

describe('brokenRule', () => {
  it('accepts a payload that keeps every rule', () => {
    expect(brokenRule(transactionRules, { amount: 10, symbol: 'AAPL' }, reference)).toBeUndefined();
  });

  it('names the field and the rule that is broken', () => {
    expect(brokenRule(transactionRules, { amount: 0, symbol: 'AAPL' }, reference)).toBe('amount 0 must be > 0');
    expect(brokenRule(transactionRules, { amount: -5, symbol: 'AAPL' }, reference)).toBe('amount -5 must be > 0');
    expect(brokenRule(transactionRules, { amount: 5, symbol: 'ZZZZ' }, reference)).toBe('symbol "ZZZZ" is not in reference table symbols');
    expect(brokenRule([{ field: 'humidity', min: 0, max: 100 }], { humidity: 101 }, reference)).toBe('humidity 101 must be <= 100');
    expect(brokenRule([{ field: 'humidity', min: 0, max: 100 }], { humidity: 'wet' }, reference)).toBe(
      'humidity must be a finite number, got "wet"',
    );
  });

  it('treats an inclusive minimum as inclusive', () => {
    expect(brokenRule([{ field: 'duration_ms', min: 0 }], { duration_ms: 0 }, reference)).toBeUndefined();
    expect(brokenRule([{ field: 'duration_ms', min: 0 }], { duration_ms: -1 }, reference)).toBeDefined();
  });

  it('follows a reference table as it changes', () => {
    const table = new ReferenceTable();
    expect(brokenRule(transactionRules, { amount: 1, symbol: 'NEW' }, table)).toBeDefined();
    table.apply('symbols:NEW', '"Energy"');
    expect(brokenRule(transactionRules, { amount: 1, symbol: 'NEW' }, table)).toBeUndefined();
    table.apply('symbols:NEW', null);
    expect(brokenRule(transactionRules, { amount: 1, symbol: 'NEW' }, table)).toBeDefined();
  });

  it('property: a range verdict agrees with the arithmetic for any number', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (value, a, b) => {
          const [min, max] = a <= b ? [a, b] : [b, a];
          const ok = brokenRule([{ field: 'v', min, max }], { v: value }, reference) === undefined;
          expect(ok).toBe(value >= min && value <= max);
        },
      ),
    );
  });
});

describe('ReferenceTable', () => {
  it('enriches a copy of the payload, null where the reference has no entry', () => {
    const payload = { symbol: 'JPM', currency: 'GBP' };
    const out = reference.enrich(payload, [
      { field: 'symbol', reference: 'symbols', into: 'sector' },
      { field: 'currency', reference: 'fx_rates', into: 'usd_rate' },
    ]);
    expect(out).toEqual({ symbol: 'JPM', currency: 'GBP', sector: 'Financials', usd_rate: null });
    expect(payload).toEqual({ symbol: 'JPM', currency: 'GBP' });
  });

  it('refuses malformed records without changing anything', () => {
    const table = new ReferenceTable();
    expect(table.apply('no-colon', '"x"')).toBe(false);
    expect(table.apply(':key', '"x"')).toBe(false);
    expect(table.apply('symbols:A', '{not json')).toBe(false);
    expect(table.apply('symbols:A', '{"nested":true}')).toBe(false);
    expect(table.size('symbols')).toBe(0);
  });

  it('property: the last record per key wins, as in a compacted topic', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.option(fc.integer(), { nil: null }))), (records) => {
        const table = new ReferenceTable();
        const last = new Map<string, number | null>();
        for (const [key, value] of records) {
          table.apply(`t:${key}`, value === null ? null : JSON.stringify(value));
          last.set(key, value);
        }
        for (const [key, value] of last) expect(table.get('t', key)).toBe(value === null ? undefined : value);
      }),
    );
  });
});
