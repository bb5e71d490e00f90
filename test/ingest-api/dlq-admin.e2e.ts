/**
 * DLQ admin endpoints against the real broker: list with filters, replay chosen records to their
 * source topic (same bytes, key and event_id), and refuse tokens without an admin scope.
 */
import { DlqRecord, HEADERS } from '@platform/contracts';
import { createIdempotentProducer, ensureTopics, headersToStrings, readTopicToEnd, withAdmin } from '@platform/kafka';
import { eventually, testKafka } from '@test/support';
import { authHeaders, expectErrorFormat, get, post, startTestApi, TestApi } from './support';

describe('ingest API DLQ admin endpoints (real broker)', () => {
  const kafka = testKafka('dlq-admin-e2e');
  let t: TestApi;
  let dlqTopic: string;
  let sourceTopic: string;

  beforeAll(async () => {
    t = await startTestApi();
    dlqTopic = t.pipeline.topics.dlq.name;
    sourceTopic = t.topic('transaction');
    await withAdmin(kafka, (a) => ensureTopics(a, [{ topic: dlqTopic, numPartitions: 2, compacted: false }]));
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const cases = [
      { type: 'BUSINESS_RULE' as const, eventId: 'adm-rule-1', at: '2026-05-01T10:00:00Z' },
      { type: 'BUSINESS_RULE' as const, eventId: 'adm-rule-2', at: '2026-05-01T11:00:00Z' },
      { type: 'DESERIALIZATION' as const, eventId: 'adm-bytes-1', at: '2026-05-01T12:00:00Z' },
    ];
    for (const [i, c] of cases.entries()) {
      // A literal DLQ record and headers as the processor writes them, not built by the code under test.
      const record: DlqRecord = {
        original_message: Buffer.from(`original-${i}`).toString('base64'),
        original_key: `user-${i}`,
        original_headers: { [HEADERS.eventId]: c.eventId },
        error_type: c.type,
        error_message: `failure ${i}`,
        retry_count: 0,
        first_attempt_time: c.at,
        last_attempt_time: c.at,
        source_topic: sourceTopic,
        source_partition: 0,
        source_offset: String(i),
        event_id: c.eventId,
        trace_id: null,
        failed_in: 'processor',
      };
      const headers = { error_type: c.type, event_id: c.eventId };
      await producer.send({ topic: dlqTopic, acks: -1, messages: [{ key: `user-${i}`, value: Buffer.from(JSON.stringify(record)), headers }] });
    }
    await producer.disconnect();
  });

  afterAll(async () => {
    await t?.close();
  });

  const admin = () => authHeaders(['admin:dlq'], 'ops');

  it('lists records newest first, filtered by reason, source topic, time and event id', async () => {
    const rules = await get(t.url, '/api/v1/admin/dlq?reason=BUSINESS_RULE', admin());
    expect(rules.status).toBe(200);
    expect(rules.body.records.map((r: any) => r.record.event_id)).toEqual(['adm-rule-2', 'adm-rule-1']);
    const since = await get(t.url, `/api/v1/admin/dlq?source_topic=${sourceTopic}&since=2026-05-01T11:30:00Z`, admin());
    expect(since.body.records.map((r: any) => r.record.error_type)).toEqual(['DESERIALIZATION']);
    const one = await get(t.url, '/api/v1/admin/dlq?event_id=adm-rule-1&limit=5', admin());
    expect(one.body.count).toBe(1);
    expect(one.body.records[0].id).toMatch(/^\d+:\d+$/);
    expect((await get(t.url, '/api/v1/admin/dlq?reason=NOTHING_LIKE_THIS', admin())).body.records).toEqual([]);
  });

  it('refuses bad queries and bodies with 400 in the error format', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'since=yesterday', 'until=%00']) {
      const answer = await get(t.url, `/api/v1/admin/dlq?${query}`, admin());
      expect(answer.status).toBe(400);
      expectErrorFormat(answer.body);
    }
    for (const body of [{}, { ids: [] }, { ids: ['x'] }, { ids: [1] }, { ids: 'all' }]) {
      const answer = await post(t.url, '/api/v1/admin/dlq/replay', body, admin());
      expect(answer.status).toBe(400);
      expectErrorFormat(answer.body);
    }
  });

  it('needs an admin scope: 401 without a token, 403 with event scopes only', async () => {
    expect((await get(t.url, '/api/v1/admin/dlq', { 'content-type': 'application/json' })).status).toBe(401);
    const forbidden = await get(t.url, '/api/v1/admin/dlq', authHeaders(['events:*'], 'client'));
    expect(forbidden.status).toBe(403);
    expectErrorFormat(forbidden.body);
    expect((await post(t.url, '/api/v1/admin/dlq/replay', { ids: ['0:0'] }, authHeaders(['events:*', 'admin:schemas'], 'client'))).status).toBe(403);
    expect((await get(t.url, '/api/v1/admin/dlq', authHeaders(['admin'], 'root'))).status).toBe(200);
  });

  it('replays chosen records to their source topic with the original bytes, key and event id', async () => {
    const [target] = (await get(t.url, '/api/v1/admin/dlq?event_id=adm-rule-1', admin())).body.records;
    const answer = await post(t.url, '/api/v1/admin/dlq/replay', { ids: [target.id, '0:999999'] }, admin());
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: any) => r.status).sort()).toEqual(['not_found', 'replayed']);
    const replayed = await eventually(async () => {
      const records = await readTopicToEnd(kafka, sourceTopic);
      return records.find((r) => headersToStrings(r.message.headers)[HEADERS.eventId] === 'adm-rule-1');
    }, 'the replayed record on the source topic');
    expect(replayed.message.value?.toString()).toBe('original-0');
    expect(replayed.message.key?.toString()).toBe('user-0');
    expect(headersToStrings(replayed.message.headers)[HEADERS.replayedFrom]).toBeDefined();
  });
});
