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
