/**
 * The processor in-process against the real broker and registry: valid events (with duplicates and
 * mild disorder) aggregate to exactly what an offline run computes; rule-breaking, undecodable and
 * misplaced records go to the DLQ with their reason; an event time far ahead of the clock goes to the
 * DLQ without moving any watermark; an event later than the allowed lateness goes to the late topic
 * as it was on its source topic (Confluent-framed Avro that the registry's client decodes).
 */
import { startProcessor, ProcessorHandle } from '../../apps/processor/src/bootstrap';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { eventually, kafkajsRegistryAuth, TEST_REGISTRY_URL } from '@test/support';
import { AggregateRow, compare, dlqCollector, encode, flushItems, framedItems, latestAggregates, MIN, oracle, produce, setUp, Setup, TestEvent, topicOf, TopicCollector, validEvent, aggregateCollector, keyOf, lateCollector } from './harness';
import { DlqRecord } from '@platform/contracts';

describe('processor (in-process, real broker)', () => {
  let setup: Setup;
  let processor: ProcessorHandle | undefined;
  const collectors: Array<TopicCollector<unknown>> = [];

  beforeAll(async () => {
    setup = await setUp('processor-happy');
  });

  afterAll(async () => {
    await processor?.stop();
    await Promise.all(collectors.map((c) => c.stop()));
    await setup?.close();
  });

  it('aggregates valid events exactly once and routes bad and late ones out', async () => {
    const T0 = Math.floor((Date.now() - 6 * 3600_000) / 3600_000) * 3600_000;
    const valid: TestEvent[] = [];
    for (let n = 0; n < 300; n++) valid.push(validEvent(n, T0 + n * 2000 + ((n * 7919) % 1500)));
    // Copies of events already sent (a copy ahead of its original would be out of order beyond the bound).
    const duplicates = valid.filter((_, i) => i % 25 === 0 && i < 150);
    const badAmount: TestEvent = { ...validEvent(0, T0 + 10_000), payload: { symbol: 'AAPL', side: 'SELL', quantity: 1, amount: -5, currency: 'USD' } };
    const unknownSymbol: TestEvent = { ...validEvent(3, T0 + 20_000), payload: { symbol: 'ZZZZ', side: 'BUY', quantity: 1, amount: 10, currency: 'USD' } };
    const wrongType: TestEvent = { ...validEvent(1, T0 + 30_000), event_type: 'clickstream' };
    // Had it moved the watermark to year 9999, every valid event after it would be late.
    const farFuture: TestEvent = validEvent(2, Date.UTC(9999, 0, 1));
    const items = [
      ...framedItems(setup, valid.slice(0, 150)),
      ...framedItems(setup, duplicates),
      { topic: topicOf(setup.pipeline, 'transaction'), key: 'u1', value: encode(setup, badAmount) },
      { topic: topicOf(setup.pipeline, 'transaction'), key: 'u2', value: encode(setup, unknownSymbol) },
      { topic: topicOf(setup.pipeline, 'transaction'), key: 'u3', value: encode(setup, wrongType) },
      { topic: topicOf(setup.pipeline, 'iot.sensor'), key: 'd1', value: Buffer.from('not avro at all') },
      ...framedItems(setup, [farFuture]),
      ...framedItems(setup, valid.slice(150)),
    ];
    await produce(setup, items);
    await produce(setup, flushItems(setup, T0 + 4 * 3600_000));

    const aggregates = await aggregateCollector(setup).start();
    const dlq = await dlqCollector(setup.kafka, setup.pipeline.topics.dlq.name).start();
    const late = await lateCollector(setup.kafka, setup.pipeline.topics.late.name).start();
    collectors.push(aggregates, dlq, late);
    processor = await startProcessor({ config: setup.config, pipeline: setup.pipeline });

    const expected = oracle(setup.pipeline, valid);
    expect(expected.size).toBeGreaterThan(100);
    const before = T0 + 2 * 3600_000;
    await eventually(async () => compare(latestAggregates(aggregates.records as AggregateRow[], before), expected).length === 0, 'aggregates equal to the offline computation', 60_000).catch((error) => {
      const problems = compare(latestAggregates(aggregates.records as AggregateRow[], before), expected);
      throw new Error(`${error.message}\n${problems.slice(0, 20).join('\n')} (${problems.length} problems)`);
    });

    const types = (records: DlqRecord[]) => records.map((r) => `${r.error_type}:${r.event_id ?? 'none'}`).sort();
    await eventually(async () => dlq.records.length >= 5, 'five DLQ records', 30_000);
    expect(types(dlq.records as DlqRecord[])).toEqual(
      [
        `BUSINESS_RULE:${badAmount.event_id}`,
        `BUSINESS_RULE:${unknownSymbol.event_id}`,
        `UNKNOWN_EVENT_TYPE:${wrongType.event_id}`,
        'DESERIALIZATION:none',
        `EVENT_TIME_SKEW:${farFuture.event_id}`,
      ].sort(),
    );
    const skewed = (dlq.records as DlqRecord[]).find((r) => r.error_type === 'EVENT_TIME_SKEW')!;
    expect(skewed.error_message).toMatch(/^event time 9999-01-01T00:00:00\.000Z is more than EVENT_TIME_MAX_FUTURE_SKEW \(300000 ms\) ahead/);
    expect(Buffer.from(skewed.original_message, 'base64')).toEqual(encode(setup, farFuture));
    const ruleMessages = (dlq.records as DlqRecord[]).filter((r) => r.error_type === 'BUSINESS_RULE').map((r) => r.error_message).sort();
    expect(ruleMessages[0]).toMatch(/amount/);
    expect(ruleMessages[1]).toMatch(/symbol .*ZZZZ/);

    // The watermark is now hours past the data: an event from the start is later than any lateness.
    const lateEvent = validEvent(1, T0 + MIN);
    const lateTopic = topicOf(setup.pipeline, lateEvent.event_type);
    const lateBytes = encode(setup, lateEvent);
    const [sent] = await setup.producer.send({ topic: lateTopic, acks: -1, messages: [{ key: keyOf(lateEvent), value: lateBytes, headers: { client: 'e2e' } }] });
    await eventually(async () => late.records.length >= 1, 'the late event on the late topic', 30_000);
    expect(late.records).toHaveLength(1);
    const [onLate] = late.records;
    // The source record exactly as it was: key, Confluent-framed bytes, headers; the reason beside them.
    expect(onLate.value).toEqual(lateBytes);
    expect(onLate.key).toBe(keyOf(lateEvent));
    expect(onLate.headers).toMatchObject({ client: 'e2e', error_type: 'LATE', event_id: lateEvent.event_id, trace_id: lateEvent.trace_id, failed_in: 'processor' });
    expect(onLate.record).toMatchObject({ error_type: 'LATE', event_id: lateEvent.event_id, source_topic: lateTopic, source_partition: sent.partition, source_offset: sent.baseOffset, original_headers: { client: 'e2e' } });
    expect(onLate.record.error_message).toMatch(/later than the allowed lateness/);
    // Any Avro consumer reads it: the registry's own client decodes the original event.
    const registry = new SchemaRegistry({ host: TEST_REGISTRY_URL, auth: kafkajsRegistryAuth() });
    expect(await registry.decode(onLate.value)).toEqual(lateEvent);
    // Nothing it could have changed: the aggregates still equal the offline computation.
    expect(compare(latestAggregates(aggregates.records as AggregateRow[], before), expected)).toEqual([]);
  });
});
