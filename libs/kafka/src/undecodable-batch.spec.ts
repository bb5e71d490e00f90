/**
 * A batch that cannot be decompressed, decoded the way a fetch response is (kafkajs's Fetch v11
 * decoder with the platform's codecs): the error is an UndecodableBatchError that names its topic,
 * partition and batch offset, and is counted. The brokers validate what producers write, so the batch
 * is built here: a real LZ4 record batch whose compressed payload is replaced by bytes no codec reads.
 */
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { registry } from '@platform/runtime';
import { registerCodecs, UndecodableBatchError } from './codecs';

const Encoder = require('kafkajs/src/protocol/encoder');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
const Long = require('kafkajs/src/utils/long');
const { decode } = require('kafkajs/src/protocol/requests/fetch/v11/response');

type Codec = { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;

async function corruptLz4Batch(firstOffset: number): Promise<Buffer> {
  const real = codecs[CompressionTypes.LZ4];
  // fake codec, at encoding only: the batch says LZ4 but holds bytes that are not an LZ4 frame
  codecs[CompressionTypes.LZ4] = () => ({
    compress: async () => Buffer.from('definitely not an lz4 frame'),
    decompress: real().decompress,
  });
  try {
    const records = [Record({ offsetDelta: 0, key: Buffer.from('k'), value: Buffer.from('v'), timestampDelta: 0 })];
    return (await RecordBatch({ compression: CompressionTypes.LZ4, firstOffset: Long.fromInt(firstOffset), records, lastOffsetDelta: 0 }))
      .buffer;
  } finally {
    codecs[CompressionTypes.LZ4] = real;
  }
}

function fetchResponse(topic: string, partition: number, records: Buffer): Buffer {
  return new Encoder()
    .writeInt32(0) // throttle
    .writeInt16(0) // error code
    .writeInt32(0) // session id
    .writeInt32(1) // one topic
    .writeString(topic)
    .writeInt32(1) // one partition
    .writeInt32(partition)
    .writeInt16(0)
    .writeInt64(100) // high watermark
    .writeInt64(100) // last stable offset
    .writeInt64(0) // log start offset
    .writeInt32(0) // no aborted transactions
    .writeInt32(-1) // preferred read replica
    .writeBytes(records).buffer;
}

describe('a record batch that cannot be decompressed', () => {
  beforeAll(() => registerCodecs());

  it('fails the fetch with an UndecodableBatchError naming topic, partition and offset, and is counted', async () => {
    const count = async () =>
      (await registry.getSingleMetric('kafka_undecodable_batches_total')?.get())?.values.find((v) => v.labels.codec === 'lz4')?.value ?? 0;
    const before = await count();
    const error = await decode(fetchResponse('events.clickstream', 4, await corruptLz4Batch(1234))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UndecodableBatchError);
    const undecodable = error as UndecodableBatchError;
    expect([undecodable.topic, undecodable.partition, undecodable.offset]).toEqual(['events.clickstream', 4, '1234']);
    expect(undecodable.located).toMatch(
      /lz4-compressed record batch cannot be decoded: .* \(topic events.clickstream, partition 4, batch at offset 1234\)/,
    );
    expect(undecodable.retriable).toBe(false);
    expect(await count()).toBe(before + 1);
  });
});
