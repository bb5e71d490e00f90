import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { registry } from '@platform/runtime';
import { registerCodecs, UndecodableBatchError } from './codecs';

type Codec = { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
const codec = (type: CompressionTypes): Codec => (CompressionCodecs as unknown as Record<number, () => Codec>)[type]();

describe('compression codecs', () => {
  beforeAll(() => registerCodecs());
  const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => `record-${i % 97};`).join(''));

  it.each([
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ])('%s compresses and decompresses what it compressed', async (_name, type) => {
    const compressed = await codec(type).compress({ buffer: payload });
    expect(compressed.length).toBeLessThan(payload.length);
    expect((await codec(type).decompress(compressed)).equals(payload)).toBe(true);
  });

  it('snappy reads the xerial framing with several blocks (as the Java client writes it)', async () => {
    const big = Buffer.concat([payload, payload, payload, payload, payload, payload, payload, payload]);
    const compressed = await codec(CompressionTypes.Snappy).compress({ buffer: big });
    expect(compressed.subarray(1, 7).toString()).toBe('SNAPPY');
    expect((await codec(CompressionTypes.Snappy).decompress(compressed)).equals(big)).toBe(true);
  });

  it('a batch that cannot be decompressed raises a non-retriable error and is counted', async () => {
    const before =
      (await registry.getSingleMetric('kafka_undecodable_batches_total')?.get())?.values.find((v) => v.labels.codec === 'lz4')?.value ?? 0;
    const failure = await codec(CompressionTypes.LZ4)
      .decompress(Buffer.from('not an lz4 frame at all'))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UndecodableBatchError);
    expect((failure as UndecodableBatchError).retriable).toBe(false);
    const after = (await registry.getSingleMetric('kafka_undecodable_batches_total')?.get())?.values.find(
      (v) => v.labels.codec === 'lz4',
    )?.value;
    expect(after).toBe(before + 1);
  });
});
