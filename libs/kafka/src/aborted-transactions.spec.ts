/**
 * kafkajs drops records of aborted transactions on the client (read committed), from the list of
 * aborted transactions a fetch response carries. kafkajs 2.2.4 only looked at the head of that
 * list, which the broker orders by abort marker, so overlapping aborted transactions leaked their
 * first records; `patches/kafkajs+2.2.4.patch` replaces the filter. These properties drive the
 * patched filter with fetch responses built here (a fake of the broker's response, no broker),
 * laid out as a partition log would be; test/kafka/aborted-transactions.e2e.ts checks the same
 * against the real broker.
 */
import fc from 'fast-check';

const filterAbortedMessages: (input: { messages: LogRecord[]; abortedTransactions: AbortedTransaction[] }) => LogRecord[] = require('kafkajs/src/consumer/filterAbortedMessages');

interface LogRecord {
  offset: string;
  key: Buffer | null;
  value: string | null;
  isControlRecord: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

type Step = { producer: number; kind: 'send' | 'commit' | 'abort' | 'plain' };

const CONTROL_ABORT = Buffer.from([0, 0, 0, 0]);
const CONTROL_COMMIT = Buffer.from([0, 0, 0, 1]);

/** Lays the steps out as one partition's log, as the broker would: the records, which were aborted, and the aborted list in marker order. */
function layOut(steps: Step[]) {
  const log: LogRecord[] = [];
  const open = new Map<number, { firstOffset: number; offsets: number[] }>();
  const abortedOffsets = new Set<number>();
  const aborted: { producerId: string; firstOffset: number; lastOffset: number }[] = [];
  for (const { producer, kind } of steps) {
    const offset = log.length;
    const producerId = String(1000 + producer);
    if (kind === 'plain') {
      // Not transactional; a key that looks like an abort marker must not matter.
      log.push({ offset: String(offset), key: CONTROL_ABORT, value: `plain-${offset}`, isControlRecord: false, batchContext: { producerId: '-1', inTransaction: false } });
    } else if (kind === 'send') {
      const tx = open.get(producer) ?? { firstOffset: offset, offsets: [] };
      tx.offsets.push(offset);
      open.set(producer, tx);
      log.push({ offset: String(offset), key: Buffer.from('k'), value: `p${producer}-${offset}`, isControlRecord: false, batchContext: { producerId, inTransaction: true } });
    } else {
      const tx = open.get(producer);
      if (!tx) continue; // nothing open: the broker writes no marker
      open.delete(producer);
      log.push({ offset: String(offset), key: kind === 'abort' ? CONTROL_ABORT : CONTROL_COMMIT, value: null, isControlRecord: true, batchContext: { producerId, inTransaction: true } });
      if (kind === 'abort') {
        tx.offsets.forEach((o) => abortedOffsets.add(o));
        aborted.push({ producerId, firstOffset: tx.firstOffset, lastOffset: offset });
      }
    }
  }
  // A read-committed fetch stops at the first still-open transaction (the last stable offset).
  const stable = Math.min(log.length, ...[...open.values()].map((t) => t.firstOffset));
  return { log: log.slice(0, stable), abortedOffsets, aborted };
}

/** The broker's answer to a read-committed fetch from `from`: the records and the aborted transactions that overlap them, in marker order. */
function fetchFrom(laidOut: ReturnType<typeof layOut>, from: number) {
  const messages = laidOut.log.slice(from);
  const abortedTransactions = laidOut.aborted.filter((t) => t.lastOffset >= from && t.firstOffset < laidOut.log.length).map((t) => ({ producerId: t.producerId, firstOffset: String(t.firstOffset) }));
  return { messages, abortedTransactions };
}

const step = fc.record({ producer: fc.integer({ min: 0, max: 3 }), kind: fc.constantFrom<Step['kind']>('send', 'send', 'send', 'commit', 'abort', 'plain') });

describe('kafkajs aborted-transaction filter, as patched (broker fetch responses faked)', () => {
  it('delivers exactly the committed and non-transactional records, from any fetch position', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.nat(), (steps, start) => {
        const laidOut = layOut(steps);
        const from = laidOut.log.length === 0 ? 0 : start % laidOut.log.length;
        const delivered = filterAbortedMessages(fetchFrom(laidOut, from)).filter((m) => !m.isControlRecord);
        const expected = laidOut.log.slice(from).filter((m) => !m.isControlRecord && !laidOut.abortedOffsets.has(Number(m.offset)));
        expect(delivered.map((m) => m.offset)).toEqual(expected.map((m) => m.offset));
      }),
      { numRuns: 1000 },
    );
  });

  it('hides an earlier-started transaction aborted after a later-started one (the shape a processor restart leaves)', () => {
    const laidOut = layOut([
      { producer: 0, kind: 'send' },
      { producer: 1, kind: 'send' },
      { producer: 0, kind: 'send' },
      { producer: 1, kind: 'abort' },
      { producer: 0, kind: 'abort' },
      { producer: 2, kind: 'send' },
      { producer: 2, kind: 'commit' },
    ]);
    expect(laidOut.aborted.map((t) => t.firstOffset)).toEqual([1, 0]);
    const delivered = filterAbortedMessages(fetchFrom(laidOut, 0)).filter((m) => !m.isControlRecord);
    expect(delivered.map((m) => m.value)).toEqual(['p2-5']);
  });
});
