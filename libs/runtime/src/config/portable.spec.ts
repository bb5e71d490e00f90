import { parseKafkaSecurity } from './kafka';
import { fromPortable, toPortable } from './portable';

describe('a configuration carried across a structured clone (worker threads)', () => {
  const security = () =>
    parseKafkaSecurity({
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'processor',
      KAFKA_SASL_PASSWORD: 's3cret',
    });

  it('loses its hidden SASL password in a plain clone (why this exists)', () => {
    const config = { kafkaSecurity: security() };
    expect(config.kafkaSecurity.sasl?.password).toBe('s3cret');
    expect(structuredClone(config).kafkaSecurity.sasl?.password).toBeUndefined();
  });

  it('keeps it through toPortable / fromPortable, still hidden from JSON and logs', () => {
    const config = { group: 'processor', stages: ['a', 'b'], kafkaSecurity: security() };
    const restored = fromPortable(structuredClone(toPortable(config)));
    expect(restored.kafkaSecurity.sasl?.password).toBe('s3cret');
    expect(restored.stages).toEqual(['a', 'b']);
    expect(JSON.stringify(restored)).not.toContain('s3cret');
    expect(Object.keys(restored.kafkaSecurity.sasl ?? {})).not.toContain('password');
  });

  it('carries hidden properties at any depth, in arrays, and leaves Buffers and shared objects alone', () => {
    const shared = {};
    Object.defineProperty(shared, 'token', { value: 't', enumerable: false });
    const list = [{ name: 'x' }];
    Object.defineProperty(list[0], 'key', { value: 'k', enumerable: false });
    const config = { a: shared, b: shared, list, ca: Buffer.from('pem') };
    const restored = fromPortable(structuredClone(toPortable(config)));
    expect((restored.a as { token?: string }).token).toBe('t');
    expect((restored.list[0] as { key?: string }).key).toBe('k');
    expect(Buffer.from(restored.ca).toString()).toBe('pem');
    expect(restored.list).toHaveLength(1);
  });

  it('records exactly the hidden data properties of plain objects, arrays and null-prototype objects, with their paths', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    Object.defineProperty(bare, 'secret', { value: 's', enumerable: false });
    const list: unknown[] = [bare];
    const withFunction = { visible: 1 };
    Object.defineProperty(withFunction, 'method', { value: () => 1, enumerable: false });
    Object.defineProperty(withFunction, 'computed', { get: () => 2, enumerable: false });
    class Holder {
      constructor() {
        Object.defineProperty(this, 'inside', { value: 'i', enumerable: false });
      }
    }
    const config = { deep: { list }, withFunction, holder: new Holder() };
    expect(toPortable(config).hidden).toEqual([{ path: ['deep', 'list', '0'], name: 'secret', value: 's' }]);
    expect(toPortable(config).config).toBe(config);
  });

  it('refuses to restore onto a path the clone no longer has', () => {
    expect(() => fromPortable({ config: { a: {} }, hidden: [{ path: ['a', 'b'], name: 'password', value: 'p' }] })).toThrow(
      'configuration cannot be restored: nothing at a.b.password',
    );
    expect(() => fromPortable({ config: { a: 'text' }, hidden: [{ path: ['a'], name: 'password', value: 'p' }] })).toThrow('nothing at a.password');
    expect(() => fromPortable({ config: { a: null }, hidden: [{ path: ['a'], name: 'password', value: 'p' }] })).toThrow('nothing at a.password');
  });

  it('puts a hidden property back as non-enumerable on the root too', () => {
    const restored = fromPortable({ config: { visible: 1 } as { visible: number; token?: string }, hidden: [{ path: [], name: 'token', value: 't' }] });
    expect(restored.token).toBe('t');
    expect(Object.keys(restored)).toEqual(['visible']);
  });
});
