import { LONG_MAX_EXACT, LONG_MIN_EXACT, parseAvroSchema, parseRfc3339, validateAgainst } from './validation';

const type = parseAvroSchema({
  type: 'record',
  name: 'Event',
  fields: [
    { name: 'event_id', type: 'string' },
    { name: 'timestamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tags', type: ['null', { type: 'map', values: 'string' }], default: null },
    {
      name: 'payload',
      type: {
        type: 'record',
        name: 'Payload',
        fields: [
          { name: 'count', type: 'int' },
          { name: 'unit', type: { type: 'enum', name: 'Unit', symbols: ['C', 'F'] }, default: 'C' },
          { name: 'samples', type: { type: 'array', items: 'double' }, default: [] },
        ],
      },
    },
  ],
});

const good = () => ({ event_id: 'e1', timestamp: '2024-05-01T10:00:00Z', payload: { count: 3, samples: [1.5] } });

describe('validateAgainst', () => {
  it('accepts a valid event, fills defaults and turns ISO-8601 times into epoch ms', () => {
    const result = validateAgainst(type, good());
    expect(result).toEqual({
      ok: true,
      value: { event_id: 'e1', timestamp: Date.parse('2024-05-01T10:00:00Z'), tags: null, payload: { count: 3, unit: 'C', samples: [1.5] } },
    });
    if (result.ok) expect(type.isValid(result.value)).toBe(true);
  });

  it('reports every problem with its path, at any depth', () => {
    const result = validateAgainst(type, { event_id: 5, timestamp: 'yesterday', extra: 1, tags: { a: 1 }, payload: { count: 2.5, unit: 'K', samples: [1, 'x'] } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path).sort()).toEqual(['event_id', 'extra', 'payload.count', 'payload.samples[1]', 'payload.unit', 'tags', 'timestamp'].sort());
  });

  it('reports a missing required field, also in a nested record', () => {
    const result = validateAgainst(type, { event_id: 'e', timestamp: 1, payload: {} });
    expect(result).toEqual({ ok: false, problems: [{ path: 'payload.count', message: 'required field is missing' }] });
  });

  it('answers the same way on repeated calls (per-type facts are cached)', () => {
    for (let i = 0; i < 3; i++) {
      expect(validateAgainst(type, good()).ok).toBe(true);
      expect(validateAgainst(type, { ...good(), unknown: true }).ok).toBe(false);
    }
  });

  it('never accepts a value the type cannot encode', () => {
    const inputs: unknown[] = [good(), { ...good(), timestamp: 1.5 }, { ...good(), payload: null }, { ...good(), tags: { a: 'b' } }, { ...good(), payload: { count: 2 ** 31 } }, 'text', null, []];
    for (const input of inputs) {
      const result = validateAgainst(type, input);
      if (result.ok) expect(() => type.toBuffer(result.value)).not.toThrow();
    }
    expect(inputs.filter((input) => validateAgainst(type, input).ok)).toHaveLength(2);
  });
});

describe('strict values', () => {
  const withPayload = (payload: Record<string, unknown>) => ({ ...good(), payload: { count: 3, ...payload } });
  const problemsOf = (input: unknown) => {
    const result = validateAgainst(type, input);
    return result.ok ? [] : result.problems;
  };

  it('refuses non-finite numbers (1e400 parses as Infinity) and keeps the largest finite doubles', () => {
    for (const sample of [JSON.parse('1e400'), JSON.parse('-1e400'), NaN]) {
      expect(problemsOf(withPayload({ samples: [sample] }))).toEqual([{ path: 'payload.samples[0]', message: expect.stringMatching(/^expected a finite double/) }]);
    }
    expect(problemsOf(withPayload({ samples: [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -0] }))).toEqual([]);
  });

  it('refuses integers beyond their Avro type (int: 32 bits; long: what JSON carries exactly)', () => {
    expect(problemsOf(withPayload({ count: 2 ** 31 }))).toEqual([{ path: 'payload.count', message: expect.stringMatching(/32-bit integer/) }]);
    expect(problemsOf(withPayload({ count: -(2 ** 31) }))).toEqual([]);
    expect(problemsOf({ ...good(), timestamp: JSON.parse('9223372036854775807') })).toEqual([{ path: 'timestamp', message: expect.stringMatching(/integer/) }]);
    // avsc writes longs exactly from -2^52 to 9007199254740990: -2^52 - 1 would read back positive.
    expect(problemsOf({ ...good(), timestamp: 9007199254740990 })).toEqual([]);
    expect(problemsOf({ ...good(), timestamp: -(2 ** 52) })).toEqual([]);
    expect(problemsOf({ ...good(), timestamp: -(2 ** 52) - 1 })).toEqual([{ path: 'timestamp', message: expect.stringMatching(/exactly representable/) }]);
    expect(problemsOf({ ...good(), timestamp: -9007199254740990 })).toHaveLength(1);
  });

  it('refuses lone UTF-16 surrogates in strings and map keys, accepts every plane', () => {
    expect(problemsOf({ ...good(), event_id: 'a\ud800b' })).toEqual([{ path: 'event_id', message: expect.stringMatching(/lone UTF-16 surrogate/) }]);
    expect(problemsOf({ ...good(), event_id: '\udfff' })).toHaveLength(1);
    expect(problemsOf({ ...good(), tags: { ['k\ud800']: 'v' } })).toHaveLength(1);
    expect(problemsOf({ ...good(), tags: { k: '\ud83d' } })).toHaveLength(1);
    expect(problemsOf({ ...good(), event_id: 'aé中😀𝄞\u{10FFFD}', tags: { '': '' } })).toEqual([]);
  });

  it('parses RFC 3339 times strictly: no rollover, no out-of-range fields', () => {
    const at = (timestamp: string) => {
      const result = validateAgainst<{ timestamp: number }>(type, { ...good(), timestamp });
      return result.ok ? result.value.timestamp : 'refused';
    };
    expect(at('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(at('2024-03-01T01:30:00.123+01:30')).toBe(Date.UTC(2024, 2, 1, 0, 0, 0, 123));
    expect(at('2024-05-01t10:00:00.5z')).toBe(Date.UTC(2024, 4, 1, 10, 0, 0, 500));
    for (const bad of [
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:59:60Z',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01T00:00:00',
      '2024-01-01',
      '2024-01-01T00:00:00ZZ',
      'Mon, 01 Jan 2024 00:00:00 GMT',
    ]) {
      expect({ bad, at: at(bad) }).toEqual({ bad, at: 'refused' });
    }
  });
});

describe('problem messages', () => {
  const problemsOf = (input: unknown, on: typeof type = type) => {
    const result = validateAgainst(on, input);
    return result.ok ? [] : result.problems;
  };

  it('says what was expected and what came, for each kind of value', () => {
    expect(problemsOf([])).toEqual([{ path: '', message: 'expected an object, got array' }]);
    expect(problemsOf(null)).toEqual([{ path: '', message: 'expected an object, got null' }]);
    expect(problemsOf({ ...good(), event_id: 5, extra: 1 })).toEqual([
      { path: 'extra', message: 'unknown field' },
      { path: 'event_id', message: 'expected string, got number' },
    ]);
    expect(problemsOf({ ...good(), payload: { count: 1, unit: 'K', samples: 'x' } })).toEqual([
      { path: 'payload.unit', message: 'must be one of C, F' },
      { path: 'payload.samples', message: 'expected an array, got string' },
    ]);
    expect(problemsOf({ ...good(), payload: { count: 'a', samples: [1, 'x'] } })).toEqual([
      { path: 'payload.count', message: 'expected a 32-bit integer, got string' },
      { path: 'payload.samples[1]', message: 'expected a finite number, got string' },
    ]);
    expect(problemsOf({ ...good(), timestamp: 'yesterday' })).toEqual([{ path: 'timestamp', message: 'expected an integer (epoch ms) or ISO-8601 time, got string' }]);
    expect(problemsOf({ ...good(), timestamp: -(2 ** 52) - 1 })).toEqual([
      { path: 'timestamp', message: 'long out of the exactly representable range [-4503599627370496, 9007199254740990]' },
    ]);
    expect(problemsOf({ ...good(), tags: [] })).toEqual([{ path: 'tags', message: 'does not match any of null, map' }]);
    expect(problemsOf({ ...good(), tags: { a: 'b', c: 1 } })).toEqual([{ path: 'tags', message: 'does not match any of null, map' }]);
    expect(problemsOf({ ...good(), payload: { count: 1, samples: [JSON.parse('1e400'), JSON.parse('-1e400'), NaN] } })).toEqual([
      { path: 'payload.samples[0]', message: 'expected a finite double, got a number too large' },
      { path: 'payload.samples[1]', message: 'expected a finite double, got a number too small' },
      { path: 'payload.samples[2]', message: 'expected a finite double, got NaN' },
    ]);
    expect(problemsOf({ ...good(), event_id: 'a\ud800' })).toEqual([{ path: 'event_id', message: 'contains a lone UTF-16 surrogate (not valid Unicode)' }]);
  });

  it('gives paths inside arrays and maps, where a path is not fixed', () => {
    const nested = parseAvroSchema({
      type: 'record',
      name: 'Nested',
      fields: [
        { name: 'rows', type: { type: 'array', items: { type: 'record', name: 'Row', fields: [{ name: 'm', type: { type: 'map', values: 'int' } }] } } },
      ],
    });
    expect(problemsOf({ rows: [{ m: { a: 1 } }, { m: { b: 'x', ['k\ud800']: 2 } }, { m: [] }, 3] }, nested)).toEqual([
      { path: 'rows[1].m.b', message: 'expected a 32-bit integer, got string' },
      { path: 'rows[1].m', message: 'a map key contains a lone UTF-16 surrogate (not valid Unicode)' },
      { path: 'rows[2].m', message: 'expected an object, got array' },
      { path: 'rows[3]', message: 'expected an object, got number' },
    ]);
    expect(problemsOf({ rows: [{ m: null }, {}] }, nested)).toEqual([
      { path: 'rows[0].m', message: 'expected an object, got null' },
      { path: 'rows[1].m', message: 'required field is missing' },
    ]);
    expect(validateAgainst(nested, { rows: [{ m: { a: 1, b: -2 } }] })).toEqual({ ok: true, value: { rows: [{ m: { a: 1, b: -2 } }] } });
  });
});

describe('floats, unions, timestamps and error records', () => {
  const other = parseAvroSchema({
    type: 'error',
    name: 'Other',
    fields: [
      { name: 'f', type: 'float', default: 0 },
      { name: 'created_at', type: { type: 'long', logicalType: 'timestamp-millis' }, default: 0 },
      { name: 'event_timestamp', type: 'long', default: 0 },
      { name: 'plain', type: 'long', default: 0 },
      { name: 'either', type: ['null', 'int', 'string'], default: null },
      { name: 'strict', type: ['int', 'string'], default: 0 },
    ],
  });
  const check = (input: Record<string, unknown>) => validateAgainst(other, input);

  it('takes an error record like a record', () => {
    expect(check({})).toEqual({ ok: true, value: { f: 0, created_at: 0, event_timestamp: 0, plain: 0, either: null, strict: 0 } });
    expect(check({ nope: 1 })).toEqual({ ok: false, problems: [{ path: 'nope', message: 'unknown field' }] });
  });

  it('keeps floats within 32 bits: the largest finite float passes, beyond it is too large or too small', () => {
    expect(check({ f: 3.4028234663852886e38 }).ok).toBe(true);
    expect(check({ f: -3.4028234663852886e38 }).ok).toBe(true);
    expect(check({ f: 3.5e38 })).toEqual({ ok: false, problems: [{ path: 'f', message: 'expected a finite float, got a number too large' }] });
    expect(check({ f: -3.5e38 })).toEqual({ ok: false, problems: [{ path: 'f', message: 'expected a finite float, got a number too small' }] });
    expect(check({ f: NaN })).toEqual({ ok: false, problems: [{ path: 'f', message: 'expected a finite float, got NaN' }] });
    expect(check({ f: 'x' })).toEqual({ ok: false, problems: [{ path: 'f', message: 'expected a finite number, got string' }] });
  });

  it('reads ISO-8601 text for a long named *timestamp, and not for another long', () => {
    expect(check({ event_timestamp: '1970-01-01T00:00:02Z' })).toMatchObject({ ok: true, value: { event_timestamp: 2000 } });
    expect(check({ plain: '1970-01-01T00:00:01Z' })).toEqual({ ok: false, problems: [{ path: 'plain', message: 'expected an integer, got string' }] });
  });

  it('reads ISO-8601 text for a long the schema declares timestamp-millis, whatever its name, and says so when it cannot', () => {
    expect(check({ created_at: '1970-01-01T00:00:03.5Z' })).toMatchObject({ ok: true, value: { created_at: 3500 } });
    expect(check({ created_at: 'yesterday' })).toEqual({ ok: false, problems: [{ path: 'created_at', message: 'expected an integer (epoch ms) or ISO-8601 time, got string' }] });
    // The mark is per field: another long of the same record stays a plain long.
    expect(check({ plain: '1970-01-01T00:00:03Z' }).ok).toBe(false);
  });

  it('tries each branch of a union, and null only where the union allows it', () => {
    expect(check({ either: 'x' })).toMatchObject({ ok: true, value: { either: 'x' } });
    expect(check({ either: 7 })).toMatchObject({ ok: true, value: { either: 7 } });
    expect(check({ either: null })).toMatchObject({ ok: true, value: { either: null } });
    expect(check({ either: 1.5 })).toEqual({ ok: false, problems: [{ path: 'either', message: 'does not match any of null, int, string' }] });
    expect(check({ strict: 'y' })).toMatchObject({ ok: true, value: { strict: 'y' } });
    expect(check({ strict: null })).toEqual({ ok: false, problems: [{ path: 'strict', message: 'does not match any of int, string' }] });
  });
});

describe('nesting depth', () => {
  const tree = parseAvroSchema({
    type: 'record',
    name: 'Node',
    fields: [
      { name: 'kids', type: { type: 'array', items: 'Node' } },
      { name: 'tag', type: ['null', 'string'], default: null },
    ],
  });
  /** A chain of `n` nodes: node k sits at depth 2k, its kids array at 2k + 1, a tag's string at 2k + 2. */
  const chain = (n: number, tag?: string): Record<string, unknown> => {
    let node: Record<string, unknown> = { kids: [], ...(tag === undefined ? {} : { tag }) };
    for (let i = 1; i < n; i++) node = { kids: [node] };
    return node;
  };

  it('accepts values 32 levels deep and refuses a 33rd, with the path where it happens', () => {
    expect(validateAgainst(tree, chain(16, 'leaf')).ok).toBe(true);
    expect(validateAgainst(tree, chain(17))).toEqual({
      ok: false,
      problems: [
        { path: `${'kids[0].'.repeat(16)}kids`, message: 'nested too deeply' },
        { path: `${'kids[0].'.repeat(16)}tag`, message: 'nested too deeply' },
      ],
    });
  });
});

describe('parseRfc3339', () => {
  it('applies negative offsets, truncates fractions to the millisecond and keeps years below 100', () => {
    expect(parseRfc3339('2024-03-01T00:00:00-01:30')).toBe(1709256600000);
    expect(parseRfc3339('2024-03-01T01:30:00+01:30')).toBe(Date.UTC(2024, 2, 1));
    expect(parseRfc3339('2024-03-01T00:00:00.1239Z')).toBe(Date.UTC(2024, 2, 1, 0, 0, 0, 123));
    expect(parseRfc3339('2024-03-01T00:00:00.999999999Z')).toBe(Date.UTC(2024, 2, 1, 0, 0, 0, 999));
    expect(parseRfc3339('0099-01-01T00:00:00Z')).toBe(-59042995200000);
    expect(parseRfc3339('2024-12-31T23:59:59Z')).toBe(Date.UTC(2024, 11, 31, 23, 59, 59));
  });

  it('refuses day 0, an offset minute of 60 and text around a valid time', () => {
    for (const bad of ['2024-01-00T00:00:00Z', '2024-01-01T00:00:00+01:60', ' 2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z ', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00.1234567890Z']) {
      expect({ bad, at: parseRfc3339(bad) }).toEqual({ bad, at: undefined });
    }
    expect(LONG_MIN_EXACT).toBe(-4503599627370496);
    expect(LONG_MAX_EXACT).toBe(9007199254740990);
  });
});
