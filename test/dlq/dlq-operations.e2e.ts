import { DlqRecord, HEADERS } from '@platform/contracts';
import { DlqStore } from '@platform/kafka';
import { createConsumer, createIdempotentProducer, ensureTopics, withAdmin } from '@platform/kafka';
import { eventually, testKafka, uniqueName } from '@test/support';

describe('DLQ list and replay against the real broker', () => {
  const kafka = testKafka('dlq-e2e');
  const dlqTopic = uniqueName('events.dlq');
  const sourceTopic = uniqueName('events.transaction');

  beforeAll(async () => {
    await withAdmin(kafka, (admin) =>
      ensureTopics(admin, [
        { topic: dlqTopic, numPartitions: 2, compacted: false },
        { topic: sourceTopic, numPartitions: 3, compacted: false },
      ]),
    );
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const records = [
      { type: 'BUSINESS_RULE' as const, eventId: 'evt-rule-1', at: '2026-03-01T10:00:00Z' },
      { type: 'BUSINESS_RULE' as const, eventId: 'evt-rule-2', at: '2026-03-01T11:00:00Z' },
      { type: 'DESERIALIZATION' as const, eventId: null, at: '2026-03-01T12:00:00Z' },
    ];
    for (const [i, r] of records.entries()) {
      // A literal DLQ record as the processor writes it (docs/ARCHITECTURE.md), not built by the code under test.
      const dlq: DlqRecord = {
        original_message: Buffer.from(`original-bytes-${i}`).toString('base64'),
        original_key: `user-${i}`,
        original_headers: r.eventId ? { [HEADERS.eventId]: r.eventId } : {},
        error_type: r.type,
        error_message: `failure ${i}`,
        retry_count: 0,
        first_attempt_time: r.at,
        last_attempt_time: r.at,
        source_topic: sourceTopic,
        source_partition: 1,
        source_offset: String(40 + i),
        event_id: r.eventId,
        trace_id: null,
        failed_in: 'processor',
      };
      await producer.send({ topic: dlqTopic, acks: -1, messages: [{ key: `user-${i}`, value: Buffer.from(JSON.stringify(dlq)), partition: i % 2 }] });
    }
    await producer.disconnect();
  });

  afterAll(async () => {
    await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [dlqTopic, sourceTopic] }));
  });

  it('lists records filtered by reason, source topic and time, newest first', async () => {
    const store = new DlqStore(kafka, dlqTopic);
    try {
      const rules = await store.list({ errorType: 'BUSINESS_RULE' });
      expect(rules.map((e) => e.record.event_id)).toEqual(['evt-rule-2', 'evt-rule-1']);
      const all = await store.list({ sourceTopic });
      expect(all).toHaveLength(3);
      const late = await store.list({ since: Date.parse('2026-03-01T11:30:00Z') });
      expect(late.map((e) => e.record.error_type)).toEqual(['DESERIALIZATION']);
      expect(await store.list({ sourceTopic: 'events.other' })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('replays chosen records to their source topic with the original bytes, key and event id', async () => {
    const store = new DlqStore(kafka, dlqTopic);
    try {
      const [target] = await store.list({ eventId: 'evt-rule-1' });
      const id = `${target.dlqPartition}:${target.dlqOffset}`;
      const results = await store.replay([id, '1:999999'], new Set([sourceTopic]));
      expect(results[0]).toMatchObject({ id, status: 'replayed', source_topic: sourceTopic });
      expect(results[1]).toMatchObject({ id: '1:999999', status: 'not_found' });

      const seen: Array<{ key: string; value: string; headers: Record<string, string> }> = [];
      const consumer = createConsumer(kafka, uniqueName('dlq-replay-check'));
      await consumer.connect();
      await consumer.subscribe({ topic: sourceTopic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          seen.push({ key: message.key!.toString(), value: message.value!.toString(), headers });
        },
      });
      await eventually(async () => seen.length >= 1, 'the replayed record');
      await consumer.disconnect();
      expect(seen).toHaveLength(1);
      expect(seen[0].key).toBe('user-0');
      expect(seen[0].value).toBe('original-bytes-0');
      expect(seen[0].headers[HEADERS.eventId]).toBe('evt-rule-1');
      expect(seen[0].headers[HEADERS.replayedFrom]).toBe(`${dlqTopic}:${id}`);

      const refused = await store.replay([id], new Set(['events.something-else']));
      expect(refused[0].status).toBe('skipped');
    } finally {
      await store.close();
    }
  });
});
