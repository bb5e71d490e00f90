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
});
