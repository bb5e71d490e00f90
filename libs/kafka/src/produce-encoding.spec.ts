/**
 * kafkajs 2.2.4 encoded every varint of a record as a Buffer of its own, spread each message into a
 * new object, encoded each header into a 512-byte buffer and copied it, and grew every enclosing
 * buffer (record batch, partition, topic, request) by doubling, copying the records each time (a
 * produce request of 18,000 records took about 2.5 times the CPU it takes now). `patches/kafkajs+2.2.4.patch` writes varints in
 * place, headers inline and sizes each buffer up front; its CRC32C of a record batch takes eight bytes
 * per step (slicing-by-8) instead of one. The bytes on the wire must not change: the
 * digests below were taken from kafkajs 2.2.4 (with this patch's earlier, encoding-neutral changes) for the same requests.
 */
import { createHash } from 'crypto';

const createRequest = require('kafkajs/src/protocol/request');
const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request');
const Encoder = require('kafkajs/src/protocol/encoder');
const Long = require('kafkajs/src/utils/long');
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C');
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition');

type ProducedMessage = { key: string | Buffer | null; value: Buffer | null; timestamp: number; headers: Record<string, string | Buffer | string[]> };

function message(i: number): ProducedMessage {
  return {
    key: i % 5 === 0 ? null : i % 2 ? `key-${i}` : Buffer.from(`bytes-key-${i}`),
    value: i % 7 === 0 ? null : Buffer.from('v'.repeat(i * 37)),
    timestamp: 1_700_000_000_000 + i * 1000 + (i % 3) * 300_000,
    headers: i % 4 === 0 ? {} : { event_id: `e-${i}`, trace_id: i % 3 ? `t-${i}` : Buffer.from('tb'), many: ['a', `b${i}`] },
  };
}

async function produceRequest(transactionalId: string | null, messages: number, make: (i: number) => ProducedMessage = message): Promise<Buffer> {
  const request = produceV3({
    acks: -1,
    timeout: 30_000,
    transactionalId,
    producerId: Long.fromNumber(4242),
    producerEpoch: 3,
    topicData: [
      { topic: 'events.aggregated-repartition', partitions: [0, 1, 2].map((partition) => ({ partition, firstSequence: partition * 10, messages: Array.from({ length: messages }, (_, i) => make(i + partition)) })) },
      { topic: 'events.aggregated-changelog', partitions: [{ partition: 5, firstSequence: 0, messages: Array.from({ length: 3 }, (_, i) => make(i * 11)) }] },
    ],
  });
  const encoded = await createRequest({ correlationId: 77, clientId: 'processor-a', request });
  return encoded.buffer;
}

const digest = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');

describe('kafkajs produce request encoding (patched)', () => {
  it('writes the same bytes as kafkajs did before', async () => {
    expect(digest(await produceRequest('processor-a-events-0', 40))).toBe('9d3976b92bec6fbc58e751c41cf8a7dd1ce163c6247d76da331983a5b864a064');
    expect(digest(await produceRequest(null, 300))).toBe('5beae4bdadff444dff1da950d5262b889effcc20bc2e7de19823ea5684261f78');
  });

  it('encodes varints and varlongs in place, the same bytes as the zigzag LEB128 they are', () => {
    const values = [0, 1, -1, 63, -64, 64, 300, -300, 2 ** 20, -(2 ** 29), 2 ** 30 - 1, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31)];
    const from = jest.spyOn(Buffer, 'from');
    const encoder = new Encoder();
    for (const v of values) encoder.writeVarInt(v).writeVarLong(v);
    expect(from).not.toHaveBeenCalled();
    from.mockRestore();
    const zigzag = (v: bigint) => (v << 1n) ^ (v >> 63n);
    const leb = (u: bigint) => {
      const out: number[] = [];
      for (u = BigInt.asUintN(64, u); u >= 0x80n; u >>= 7n) out.push(Number(u & 0x7fn) | 0x80);
      out.push(Number(u));
      return out;
    };
    expect([...encoder.buffer]).toEqual(values.flatMap((v) => [...leb(zigzag(BigInt(v))), ...leb(zigzag(BigInt(v)))]));
    for (const v of [...values, 2 ** 40, -(2 ** 40)]) expect(Encoder.sizeOfVarLong(v)).toBe(leb(zigzag(BigInt(v))).length);
  });

  it('sizes every buffer of a produce request up front instead of growing it by doubling and copying', async () => {
    // Records of the size the API writes: a key, a 100-byte value and two headers.
    const records = Array.from({ length: 2003 }, (_, i) => ({ key: `device-${i}`, value: Buffer.alloc(100, i), timestamp: 1_700_000_000_000 + i, headers: { event_id: `e-${i}`, trace_id: `t-${i}` } }));
    const sizes: number[] = [];
    const count = (original: (size: number) => Buffer) => (size: number) => (sizes.push(size), original(size)) as Buffer<ArrayBuffer>;
    const [originalAlloc, originalAllocUnsafe] = [Buffer.alloc.bind(Buffer), Buffer.allocUnsafe.bind(Buffer)];
    const alloc = jest.spyOn(Buffer, 'alloc').mockImplementation(count(originalAlloc) as typeof Buffer.alloc);
    const allocUnsafe = jest.spyOn(Buffer, 'allocUnsafe').mockImplementation(count(originalAllocUnsafe));
    let request: Buffer;
    try {
      request = await produceRequest(null, 2000, (i) => records[i]);
    } finally {
      alloc.mockRestore();
      allocUnsafe.mockRestore();
    }
    const allocated = sizes.reduce((sum, size) => sum + size, 0);
    // Sized up front, each level that holds the records (record, batch body, batch, batch with its
    // offset, partition, topic, request) allocates them once, rounded up to a power of two: under 14
    // times the request (about 12 here). Unpatched, a 512-byte buffer per record and per header, and
    // buffers grown by doubling from 512 bytes, allocated about 24 times the request.
    expect(request.length).toBeGreaterThan(6000 * 140);
    expect(allocated / request.length).toBeLessThan(14);
  });

  it('computes CRC32C eight bytes at a time, the same checksum as one byte at a time', () => {
    // The Castagnoli polynomial, reflected: the definition, one bit at a time.
    const reference = (bytes: Buffer) => {
      let crc = 0xffffffff;
      for (const byte of bytes) {
        crc ^= byte;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      return (crc ^ 0xffffffff) >>> 0;
    };
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    for (let length = 0; length < 70; length++) {
      const data = Buffer.concat([...Array.from({ length: Math.ceil(length / 64) + 1 }, (_, i) => createHash('sha512').update(`${length}-${i}`).digest())]).subarray(0, length);
      expect(crc32C(data)).toBe(reference(data));
    }
  });

  it('groups a batch by partition in one pass, appending in place rather than copying each partition list per message', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => ({ key: `k-${i}`, value: `v-${i}` }));
    const partitioner = ({ message }: { message: { key: string } }) => Number(message.key.slice(2)) % 3;
    const iterator = Array.prototype[Symbol.iterator];
    let iterations = 0;
    Array.prototype[Symbol.iterator] = function (this: unknown[]) {
      iterations++;
      return iterator.call(this);
    };
    let grouped: Record<string, Array<{ key: string }>>;
    try {
      grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }], messages, partitioner });
    } finally {
      Array.prototype[Symbol.iterator] = iterator;
    }
    // One pass over the messages; copying a partition's list per message walked it 1,000 times.
    expect(iterations).toBeLessThanOrEqual(1);
    expect(Object.keys(grouped).sort()).toEqual(['0', '1', '2']);
    expect(grouped[1].map((m) => m.key).slice(0, 3)).toEqual(['k-1', 'k-4', 'k-7']);
    expect(grouped[0].length + grouped[1].length + grouped[2].length).toBe(1000);
  });
});
