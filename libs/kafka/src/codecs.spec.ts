import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { registry } from '@platform/runtime';
import { compressionType, registerCodecs, UndecodableBatchError } from './codecs';

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

  const counted = async (name: string) =>
    (await registry.getSingleMetric('kafka_undecodable_batches_total')?.get())?.values.find((v) => v.labels.codec === name)?.value ?? 0;

  it('registering again wraps nothing twice: a gzip failure is counted once, with its codec', async () => {
    registerCodecs();
    const before = await counted('gzip');
    const failure = await codec(CompressionTypes.GZIP)
      .decompress(Buffer.from('not gzip'))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UndecodableBatchError);
    expect((failure as UndecodableBatchError).codec).toBe('gzip');
    expect(await counted('gzip')).toBe(before + 1);
  });

  it('snappy writes the xerial header (magic, version 1, compatible 1) and one length-prefixed block per 32 KiB', async () => {
    const blocksOf = (compressed: Buffer) => {
      const blocks: number[] = [];
      for (let at = 16; at < compressed.length; ) {
        const size = compressed.readInt32BE(at);
        blocks.push(size);
        at += 4 + size;
        expect(at).toBeLessThanOrEqual(compressed.length);
      }
      return blocks;
    };
    for (const [length, blocks] of [
      [32 * 1024 * 2, 2],
      [32 * 1024 * 2 + 1, 3],
    ]) {
      const input = Buffer.alloc(length, 7);
      const compressed = await codec(CompressionTypes.Snappy).compress({ buffer: input });
      expect([...compressed.subarray(0, 16)]).toEqual([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
      expect(blocksOf(compressed)).toHaveLength(blocks);
      expect((await codec(CompressionTypes.Snappy).decompress(compressed)).equals(input)).toBe(true);
    }
  });

  it('snappy frames an empty input as one empty block, and reads it back', async () => {
    const compressed = await codec(CompressionTypes.Snappy).compress({ buffer: Buffer.alloc(0) });
    expect(compressed.length).toBeGreaterThan(20);
    expect(compressed.readInt32BE(16)).toBe(compressed.length - 20);
    expect((await codec(CompressionTypes.Snappy).decompress(compressed)).length).toBe(0);
  });

  it('snappy also reads a raw block without the xerial framing', async () => {
    const { compress } = await import('snappy');
    const raw = await compress(payload);
    expect((await codec(CompressionTypes.Snappy).decompress(raw)).equals(payload)).toBe(true);
    const short = await compress(Buffer.from('tiny'));
    expect(short.length).toBeLessThan(16);
    expect((await codec(CompressionTypes.Snappy).decompress(short)).toString()).toBe('tiny');
  });

  it('a truncated xerial frame is undecodable, naming what is cut', async () => {
    const compressed = await codec(CompressionTypes.Snappy).compress({ buffer: payload });
    const headerCut = Buffer.concat([compressed.subarray(0, 16), Buffer.from([0, 0])]);
    await expect(codec(CompressionTypes.Snappy).decompress(headerCut)).rejects.toThrow(
      'a snappy-compressed record batch cannot be decoded: truncated xerial snappy block header',
    );
    const blockCut = compressed.subarray(0, compressed.length - 1);
    await expect(codec(CompressionTypes.Snappy).decompress(blockCut)).rejects.toThrow(/: truncated xerial snappy block$/);
    const negative = Buffer.concat([compressed.subarray(0, 16), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    await expect(codec(CompressionTypes.Snappy).decompress(negative)).rejects.toThrow(/: truncated xerial snappy block$/);
  });
});

describe('UndecodableBatchError', () => {
  it('names the codec and the cause, and the batch once the fetch decoder located it', () => {
    const error = new UndecodableBatchError('zstd', new Error('bad frame'));
    expect(error.name).toBe('UndecodableBatchError');
    expect(error.message).toBe('a zstd-compressed record batch cannot be decoded: bad frame');
    expect(error.located).toBe(error.message);
    Object.assign(error, { topic: 'events.x', partition: 2, offset: '41' });
    expect(error.located).toBe('a zstd-compressed record batch cannot be decoded: bad frame (topic events.x, partition 2, batch at offset 41)');
    expect(new UndecodableBatchError('lz4', 'plain text').message).toBe('a lz4-compressed record batch cannot be decoded: plain text');
    expect(new UndecodableBatchError('lz4', undefined).message).toBe('a lz4-compressed record batch cannot be decoded: undefined');
  });
});

describe('compressionType', () => {
  it("maps each codec name to kafkajs's compression type, and none to None", () => {
    expect(['gzip', 'snappy', 'lz4', 'zstd', 'none'].map((c) => compressionType(c as never))).toEqual([
      CompressionTypes.GZIP,
      CompressionTypes.Snappy,
      CompressionTypes.LZ4,
      CompressionTypes.ZSTD,
      CompressionTypes.None,
    ]);
  });
});
