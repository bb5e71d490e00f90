/**
 * The partition of a keyed record, computed the way Kafka's Java client does (murmur2 of the key
 * bytes), so the API knows a record's partition before sending and other clients agree with it.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

function byteAt(data: string | Buffer, i: number): number {
  return typeof data === 'string' ? data.charCodeAt(i) : data[i];
}

/**
 * Kafka's murmur2 (Utils.murmur2 in the Java client) in 32-bit integer arithmetic. kafkajs ships
 * one built on Long objects, which allocates several objects per four key bytes; this one gives
 * the same answers without allocating, and reads an ASCII string's bytes without encoding it.
 */
export function murmur2(key: string | Buffer): number {
  let data: Buffer | string = key;
  if (typeof key === 'string') {
    for (let i = 0; i < key.length; i++) {
      if (key.charCodeAt(i) > 0x7f) {
        data = Buffer.from(key, 'utf8');
        break;
      }
    }
  }
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = byteAt(data, i4) | (byteAt(data, i4 + 1) << 8) | (byteAt(data, i4 + 2) << 16) | (byteAt(data, i4 + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The last one to three bytes, as Java's switch with fall-through does it.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= byteAt(data, tail + 2) << 16;
  if (rest >= 2) h ^= byteAt(data, tail + 1) << 8;
  if (rest >= 1) {
    h ^= byteAt(data, tail);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: string | Buffer, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount <= 0) throw new Error(`invalid partition count ${partitionCount}`);
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}
