import { ReferenceTable } from './reference-table';

describe('ReferenceTable', () => {
  it('keys records `<table>:<key>` and seeds them from the pipeline config as JSON values', () => {
    expect(ReferenceTable.recordKey('symbols', 'AAPL')).toBe('symbols:AAPL');
    expect(ReferenceTable.seedRecords({ symbols: { AAPL: 'Technology', JPM: 'Financials' }, fx_rates: { EUR: 1.08 } })).toEqual([
      { key: 'symbols:AAPL', value: '"Technology"' },
      { key: 'symbols:JPM', value: '"Financials"' },
      { key: 'fx_rates:EUR', value: '1.08' },
    ]);
    expect(ReferenceTable.seedRecords({})).toEqual([]);
  });

  it('applies strings, numbers, booleans and null, per table; the key is everything after the first colon', () => {
    const table = new ReferenceTable();
    expect(table.apply('symbols:AAPL', '"Technology"')).toBe(true);
    expect(table.apply('fx_rates:EUR', '1.08')).toBe(true);
    expect(table.apply('flags:beta', 'true')).toBe(true);
    expect(table.apply('flags:gone', 'null')).toBe(true);
    expect(table.apply('pairs:EUR:USD', '1.08')).toBe(true);
    expect(table.get('symbols', 'AAPL')).toBe('Technology');
    expect(table.get('fx_rates', 'EUR')).toBe(1.08);
    expect(table.get('flags', 'beta')).toBe(true);
    expect(table.has('flags', 'gone')).toBe(true);
    expect(table.get('flags', 'gone')).toBeNull();
    expect(table.get('pairs', 'EUR:USD')).toBe(1.08);
    expect(table.has('symbols', 'EUR')).toBe(false);
    expect(table.size('symbols')).toBe(1);
    expect(table.size('flags')).toBe(2);
  });

  it('a later record replaces a key, a null value deletes it', () => {
    const table = new ReferenceTable();
    table.apply('symbols:AAPL', '"Technology"');
    table.apply('symbols:JPM', '"Financials"');
    expect(table.apply('symbols:AAPL', '"Hardware"')).toBe(true);
    expect(table.get('symbols', 'AAPL')).toBe('Hardware');
    expect(table.apply('symbols:AAPL', null)).toBe(true);
    expect(table.has('symbols', 'AAPL')).toBe(false);
    expect(table.get('symbols', 'AAPL')).toBeUndefined();
    expect(table.size('symbols')).toBe(1);
    // Deleting from a table never written is no error.
    expect(table.apply('unknown:AAPL', null)).toBe(true);
  });

  it.each([
    ['a key without a colon', 'symbolsAAPL', '"x"'],
    ['a key without a table', ':AAPL', '"x"'],
    ['a key without a key', 'symbols:', '"x"'],
    ['a value that is not JSON', 'symbols:AAPL', 'Technology'],
    ['an object value', 'symbols:AAPL', '{"sector":"Technology"}'],
    ['an array value', 'symbols:AAPL', '["Technology"]'],
  ])('refuses %s and changes nothing', (_, key, value) => {
    const table = new ReferenceTable();
    table.apply('symbols:AAPL', '"Technology"');
    expect(table.apply(key, value)).toBe(false);
    expect(table.get('symbols', 'AAPL')).toBe('Technology');
    expect(table.size('symbols')).toBe(1);
    expect(table.size('')).toBe(0);
  });

  it('refuses a malformed tombstone key without deleting', () => {
    const table = new ReferenceTable();
    table.apply('symbols:AAPL', '"Technology"');
    expect(table.apply('symbols:', null)).toBe(false);
    expect(table.apply(':AAPL', null)).toBe(false);
    expect(table.size('symbols')).toBe(1);
  });

  it('answers nothing for a table it has never seen', () => {
    const table = new ReferenceTable();
    expect(table.has('symbols', 'AAPL')).toBe(false);
    expect(table.get('symbols', 'AAPL')).toBeUndefined();
    expect(table.size('symbols')).toBe(0);
  });

  it('enriches a copy of the payload, with null where the field is absent or the reference has no entry', () => {
    const table = new ReferenceTable();
    table.apply('symbols:AAPL', '"Technology"');
    table.apply('sensors:42', '"greenhouse"');
    const specs = [
      { field: 'symbol', reference: 'symbols', into: 'sector' },
      { field: 'sensor', reference: 'sensors', into: 'site' },
    ];
    const payload = { symbol: 'AAPL', sensor: 42, amount: 3 };
    expect(table.enrich(payload, specs)).toEqual({ symbol: 'AAPL', sensor: 42, amount: 3, sector: 'Technology', site: 'greenhouse' });
    expect(payload).toEqual({ symbol: 'AAPL', sensor: 42, amount: 3 });
    expect(table.enrich({ symbol: 'ZZZZ', sensor: null }, specs)).toEqual({ symbol: 'ZZZZ', sensor: null, sector: null, site: null });
    expect(table.enrich({}, specs)).toEqual({ sector: null, site: null });
  });

  it('reads the key from the original payload, not from a field an earlier enrichment wrote', () => {
    const table = new ReferenceTable();
    table.apply('symbols:AAPL', '"Technology"');
    table.apply('sectors:Technology', '"TECH"');
    const specs = [
      { field: 'symbol', reference: 'symbols', into: 'sector' },
      { field: 'sector', reference: 'sectors', into: 'sector_code' },
    ];
    expect(table.enrich({ symbol: 'AAPL' }, specs)).toEqual({ symbol: 'AAPL', sector: 'Technology', sector_code: null });
  });

  it('returns the payload itself when there is nothing to enrich', () => {
    const payload = { symbol: 'AAPL' };
    expect(new ReferenceTable().enrich(payload, [])).toBe(payload);
  });
});
