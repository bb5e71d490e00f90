import { loadPipelineConfig, createLogger } from '@platform/runtime';
import { buildDlqRecord, decodeDlqRecord, decodeLateRecord, dlqMessage } from '@platform/contracts';
import { TaskOutput, TaskRecord } from '@platform/kafka';
import { decodeState, encodeEvent, encodeMarker, encodeRefusal, STATE_VERSION } from '../processing';
import { WindowingEngine } from '@platform/windowing';
import { StageDeps } from '../stage-runtime';
import { WindowTask } from './task';

const pipeline = loadPipelineConfig('config/pipeline.yaml');
const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const deps = {
  pipeline,
  // A fake catalog: nothing here fires a window, so no aggregate is encoded.
  catalog: { aggregated: undefined, encode: () => Buffer.alloc(0) },
  config: { timerIntervalMs: 1000 },
  log: createLogger('test', 'silent'),
} as unknown as StageDeps;
const topics = { repartition: 'rep', changelog: 'chg' };

function task(): WindowTask {
  const engine = new WindowingEngine({ ...pipeline.watermark, windows: pipeline.windows, eventTypes: pipeline.eventTypes });
  engine.assignPartitions(['events.transaction-0'], 0);
  return new WindowTask(0, engine, deps, topics, () => undefined);
}

let offset = 0;
function record(value: Buffer, timestamp = 0): TaskRecord {
  return {
    offset: String(offset++),
    key: Buffer.from('transaction|AAPL'),
    value,
    timestamp: String(timestamp),
    headers: { event_id: Buffer.from('x') },
  };
}

const source = (id: string) => ({
  topic: 'events.transaction',
  partition: 0,
  offset: '41',
  key: Buffer.from('u1'),
  value: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]),
  headers: { trace_id: `t-${id}` },
});
const event = (id: string, timestamp: number) => ({
  eventId: id,
  eventType: 'transaction',
  timestamp,
  userId: 'u1',
  groupKey: 'AAPL',
  partition: 'events.transaction-0',
  payload: { amount: 2 },
});
const byTopic = (out: TaskOutput[], topic: string) => out.filter((r) => r.topic === topic);

describe('WindowTask (stage B) with a fake catalog', () => {
  it('puts a late event on the late topic as its source record, once, though the client sent it twice', () => {
    const t = task();
    t.process(
      [
        record(encodeEvent(event('e-now', T0 + 3_600_000), source('now'))),
        record(encodeMarker({ partition: 'events.transaction-0', eventTime: T0 + 3_600_000 })),
      ],
      { tp: { topic: 'rep', partition: 0 }, position: 0n },
    );
    t.prepareCommit();
    const late = encodeEvent(event('e-late', T0), source('late'));
    t.process([record(late), record(late)], { tp: { topic: 'rep', partition: 0 }, position: 2n });
    const out = t.prepareCommit();
    const lateOut = byTopic(out, pipeline.topics.late.name);
    expect(lateOut).toHaveLength(1);
    const back = decodeLateRecord({ key: lateOut[0].key as Buffer, value: lateOut[0].value as Buffer, headers: lateOut[0].headers! });
    expect(back).toMatchObject({
      error_type: 'LATE',
      source_topic: 'events.transaction',
      source_partition: 0,
      source_offset: '41',
      event_id: 'e-late',
      original_message: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]).toString('base64'),
    });
    expect(byTopic(out, pipeline.topics.dlq.name)).toEqual([]);
  });

  it('reports a refused event to the DLQ once, though it arrived twice, and remembers it in the changelog', () => {
    const t = task();
    const dlqRecord = buildDlqRecord(
      source('bad'),
      { type: 'BUSINESS_RULE', message: 'amount must be > 0' },
      { failedIn: 'processor', eventId: 'e-bad', traceId: 't-bad' },
    );
    const message = dlqMessage(dlqRecord, Buffer.from('u1'));
    const refusal = encodeRefusal({ eventId: 'e-bad', eventTime: T0, dlqKey: Buffer.from('u1'), dlqRecord: message.value });
    t.process([record(refusal), record(encodeEvent(event('e-ok', T0), source('ok'))), record(refusal)], {
      tp: { topic: 'rep', partition: 0 },
      position: 0n,
    });
    const out = t.prepareCommit();
    const dlq = byTopic(out, pipeline.topics.dlq.name);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toEqual({ topic: pipeline.topics.dlq.name, key: Buffer.from('u1'), value: message.value, headers: message.headers });
    // Remembered like an event's id, packed with the commit's other ids of its expiry bucket.
    const packed = byTopic(out, 'chg').filter((r) => String(r.key).startsWith('D|'));
    expect(packed.flatMap((r) => (decodeState(r.value as Buffer).ids as string[]))).toEqual(expect.arrayContaining(['e-bad', 'e-ok']));
    // A copy after the commit is still a copy.
    t.process([record(refusal)], { tp: { topic: 'rep', partition: 0 }, position: 3n });
    expect(byTopic(t.prepareCommit(), pipeline.topics.dlq.name)).toEqual([]);
  });

  it('sends a repartition record of an unknown version to the DLQ naming the version, and keeps going', () => {
    const t = task();
    const good = encodeEvent(event('e-1', T0), source('1'));
    const future = Buffer.from(good);
    future[0] = 9;
    t.process([record(future), record(good)], { tp: { topic: 'rep', partition: 0 }, position: 0n });
    const out = t.prepareCommit();
    const dlq = byTopic(out, pipeline.topics.dlq.name);
    expect(dlq).toHaveLength(1);
    expect(decodeDlqRecord(dlq[0].value as Buffer)).toMatchObject({
      error_type: 'PROCESSING',
      error_message: 'repartition record version 9 is not supported (this processor reads versions 0 and 1)',
      source_topic: 'rep',
    });
    // The good record counted: its windows are in the changelog, in the current encoding.
    const changelog = byTopic(out, 'chg');
    expect(changelog.some((r) => String(r.key).startsWith('w|') && (r.value as Buffer)[0] === STATE_VERSION)).toBe(true);
    expect(changelog.map((r) => decodeState(r.value as Buffer)).some((v) => v.count === 1)).toBe(true);
  });

  it('clears what it gathered when closed: a commit after a close writes nothing of before', () => {
    const t = task();
    t.process([record(encodeEvent(event('e-2', T0), source('2')))], { tp: { topic: 'rep', partition: 0 }, position: 0n });
    t.close();
    expect(t.prepareCommit()).toEqual([]);
  });

  it('reports its position to the stage at every commit, also when it was not behind (a fake stage)', () => {
    const engine = new WindowingEngine({ ...pipeline.watermark, windows: pipeline.windows, eventTypes: pipeline.eventTypes });
    const positions: Array<bigint | undefined> = [];
    const t = new WindowTask(0, engine, deps, topics, (_task, position) => positions.push(position));
    expect(t.behindRefresh).toBe(false);
    t.committed({ tp: { topic: 'rep', partition: 0 }, position: 7n });
    t.committed({ tp: { topic: 'rep', partition: 0 }, position: 9n });
    expect(positions).toEqual([7n, 9n]);
  });
});
