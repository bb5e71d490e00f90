import { parseAvroSchema, validateAgainst } from './validation';

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
