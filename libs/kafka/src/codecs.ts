/**
 * Every compression codec Kafka defines, registered with kafkajs once (on first client creation):
 * gzip is built in; snappy (xerial framing, as Kafka's Java client writes it, or raw), lz4 (the
 * frame format, KIP-57) and zstd come from prebuilt or pure-JS packages, so no compiler is needed.
 *
 * A batch the platform cannot decode (a corrupt payload, or a codec id Kafka may add later) must never
 * stall a partition silently: the failure is counted (`kafka_undecodable_batches_total`), logged with
 * the codec, and raised as an UndecodableBatchError, which the consumer wrapper treats as fatal
 * (the process stops loudly and names topic, partition and offset where kafkajs reports them).
 */
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { counter, logger, type CompressionCodec } from '@platform/runtime';

export class UndecodableBatchError extends Error {
  /** kafkajs restarts consumers only on retriable errors: this one must stop them. */
  readonly retriable = false;
  /** Where the batch is: set by the fetch decoder (patches/kafkajs) as the error passes through it. */
  topic?: string;
  partition?: number;
  offset?: string;
  constructor(
    readonly codec: string,
    cause: unknown,
  ) {
    super(`a ${codec}-compressed record batch cannot be decoded: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'UndecodableBatchError';
  }

  /** The message with the batch's place, once the fetch decoder has named it. */
  get located(): string {
    return this.topic === undefined
      ? this.message
      : `${this.message} (topic ${this.topic}, partition ${this.partition}, batch at offset ${this.offset})`;
  }
}

const undecodable = () =>
  counter('kafka_undecodable_batches_total', 'Record batches a consumer could not decompress (the partition cannot progress)', ['codec']);

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

function guarded(codec: string, impl: Codec): () => Codec {
  const guardedCodec: Codec = {
    compress: (encoder) => impl.compress(encoder),
    async decompress(buffer) {
      try {
        return await impl.decompress(buffer);
      } catch (error) {
        undecodable().inc({ codec });
        logger().error({ codec, bytes: buffer.length, err: error }, 'record batch cannot be decompressed');
        throw new UndecodableBatchError(codec, error);
      }
    },
  };
  return () => guardedCodec;
}

/** Java's snappy-java stream format: magic header, then [int32 length][raw snappy block]... */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16;
const XERIAL_BLOCK = 32 * 1024;

const snappyCodec: Codec = {
  async compress(encoder) {
    const { compress } = await import('snappy');
    const input = encoder.buffer;
    const header = Buffer.alloc(XERIAL_HEADER);
    XERIAL_MAGIC.copy(header, 0);
    header.writeInt32BE(1, 8);
    header.writeInt32BE(1, 12);
    const parts: Buffer[] = [header];
    for (let start = 0; start < input.length || start === 0; start += XERIAL_BLOCK) {
      const block = await compress(input.subarray(start, start + XERIAL_BLOCK));
      const length = Buffer.alloc(4);
      length.writeInt32BE(block.length, 0);
      parts.push(length, block);
      if (input.length === 0) break;
    }
    return Buffer.concat(parts);
  },
  async decompress(buffer) {
    const { uncompress } = await import('snappy');
    if (buffer.length < XERIAL_HEADER || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
      return (await uncompress(buffer)) as Buffer;
    }
    const parts: Buffer[] = [];
    let position = XERIAL_HEADER;
    while (position < buffer.length) {
      if (position + 4 > buffer.length) throw new Error('truncated xerial snappy block header');
      const size = buffer.readInt32BE(position);
      position += 4;
      if (size < 0 || position + size > buffer.length) throw new Error('truncated xerial snappy block');
      parts.push((await uncompress(buffer.subarray(position, position + size))) as Buffer);
      position += size;
    }
    return Buffer.concat(parts);
  },
};

const lz4Codec: Codec = {
  async compress(encoder) {
    const { compressFrame } = await import('lz4-napi');
    return compressFrame(encoder.buffer);
  },
  async decompress(buffer) {
    const { decompressFrame } = await import('lz4-napi');
    return decompressFrame(buffer);
  },
};

let zstdReady: Promise<typeof import('@bokuweb/zstd-wasm')> | undefined;
const zstdCodec: Codec = {
  async compress(encoder) {
    zstdReady ??= import('@bokuweb/zstd-wasm').then(async (zstd) => {
      await zstd.init();
      return zstd;
    });
    const zstd = await zstdReady;
    return Buffer.from(zstd.compress(encoder.buffer, 3));
  },
  async decompress(buffer) {
    // Streaming decoder: Kafka's Java producer writes frames without a content size.
    const { decompress } = await import('fzstd');
    return Buffer.from(decompress(buffer));
  },
};

let registered = false;

/** Registers every codec with kafkajs (idempotent). */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  undecodable(); // exported from the start, so the alert's series exists before anything fails
  const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;
  const gzip = codecs[CompressionTypes.GZIP]();
  codecs[CompressionTypes.GZIP] = guarded('gzip', gzip);
  codecs[CompressionTypes.Snappy] = guarded('snappy', snappyCodec);
  codecs[CompressionTypes.LZ4] = guarded('lz4', lz4Codec);
  codecs[CompressionTypes.ZSTD] = guarded('zstd', zstdCodec);
}

export function compressionType(codec: CompressionCodec): CompressionTypes {
  switch (codec) {
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
    default:
      return CompressionTypes.None;
  }
}
