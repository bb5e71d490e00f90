import { randomBytes } from 'crypto';
import { murmur2, partitionForKey } from './partitioner';
// Literal results of Kafka's Java client for fixed keys (test/support/fixtures/KafkaPartitions.java).
import javaClient from './partitioner.fixture.json';

// kafkajs's own murmur2 (Long arithmetic) is the reference: the producer's DefaultPartitioner uses it.
const reference: (key: string | Buffer) => number = require('kafkajs/src/producer/partitioners/default/murmur2');

describe('murmur2', () => {
  it("matches Kafka's Java client on its published test vectors", () => {
    // From Kafka's UtilsTest.testMurmur2.
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) expect(murmur2(key)).toBe(hash);
  });

  it('agrees with the kafkajs implementation on every length, ASCII and not, strings and buffers', () => {
    const alphabet = 'abcXYZ019-_:.é€😀\u0000\u007f\u0080';
    for (let length = 0; length < 70; length++) {
      for (let n = 0; n < 20; n++) {
        let key = '';
        for (let i = 0; i < length; i++) key += alphabet[(length * 31 + n * 7 + i * 13) % alphabet.length];
        expect(murmur2(key)).toBe(reference(key));
        const bytes = randomBytes(length);
        expect(murmur2(bytes)).toBe(reference(bytes));
      }
    }
  });
});

describe("Kafka's Java client, for fixed keys", () => {
  it('has keys whose hash is negative among the fixtures', () => {
    expect(javaClient.keys.filter((k) => k.murmur2 < 0).length).toBeGreaterThanOrEqual(8);
  });

  it.each(javaClient.keys.map((k) => [k.key, k] as const))('%j: the same murmur2 and the same partition for every partition count', (key, expected) => {
    expect(murmur2(key)).toBe(expected.murmur2);
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(expected.murmur2);
    for (const [count, partition] of Object.entries(expected.partitions)) {
      expect([count, partitionForKey(key, Number(count))]).toEqual([count, partition]);
      expect([count, partitionForKey(Buffer.from(key, 'utf8'), Number(count))]).toEqual([count, partition]);
    }
  });
});

describe('partitionForKey', () => {
  it('spreads keys over every partition and never outside the range', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const partition = partitionForKey(`sensor-${i}`, 6);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(6);
      seen.add(partition);
    }
    expect(seen.size).toBe(6);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionForKey('k', 0)).toThrow('invalid partition count 0');
    expect(() => partitionForKey('k', -3)).toThrow('invalid partition count -3');
    expect(() => partitionForKey('k', 1.5)).toThrow('invalid partition count 1.5');
    expect(() => partitionForKey('k', Number.NaN)).toThrow('invalid partition count NaN');
  });
});
