/**
 * POST /api/v1/events/{topic}, /batch and GET /latest against the real broker and registry: every
 * 2xx answer is checked against what a Kafka consumer reads back (decoded by the registry client).
 */
import { Kafka } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { kafkajsRegistryAuth, testKafka } from '@test/support';
import { authHeaders, clickEvent, endOffsets, expectErrorFormat, get, iotEvent, post, readTopic, startTestApi, TestApi } from './support';

describe('ingest API publish, batch and latest (real broker, real registry)', () => {
  let t: TestApi;
  let kafka: Kafka;
  let iotTopic: string;
  let clickTopic: string;

  beforeAll(async () => {
    t = await startTestApi();
    kafka = testKafka('ingest-publish-e2e');
    iotTopic = t.topic('iot.sensor');
    clickTopic = t.topic('clickstream');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('publishes a JSON event by event type name and by topic name; Kafka holds exactly what the answers say', async () => {
    // Partitions of these keys in 6 from Kafka's Java client: 3 and 4 (the first hash is negative).
    const byType = iotEvent({ device_id: 'device-0001', metadata: { source: 'e2e' } });
    const byTopic = iotEvent({ device_id: 'sensor-7', timestamp: 1_700_000_000_123 });
    const first = await post(t.url, '/api/v1/events/iot.sensor', byType, { ...authHeaders(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    const second = await post(t.url, `/api/v1/events/${iotTopic}`, byTopic);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    for (const [answer, sent, partition] of [[first, byType, 3], [second, byTopic, 4]] as const) {
      expect(Object.keys(answer.body).sort()).toEqual(['event_id', 'offset', 'partition', 'status', 'timestamp', 'topic']);
      expect(answer.body).toMatchObject({ status: 'published', event_id: sent.event_id, topic: iotTopic, partition });
      expect(answer.headers.get('x-request-id')).toBeTruthy();
    }
    expect(first.body.timestamp).toBe(byType.timestamp);
    expect(second.body.timestamp).toBe(new Date(1_700_000_000_123).toISOString());

    const records = await readTopic(kafka, t.registry, iotTopic);
    for (const [answer, sent] of [[first, byType], [second, byTopic]] as const) {
      const record = records.find((r) => r.partition === answer.body.partition && r.offset === String(answer.body.offset));
      expect(record).toBeDefined();
      expect(record!.key).toBe(sent.device_id);
      expect(record!.value.event_id).toBe(sent.event_id);
      expect(record!.value.event_type).toBe('iot.sensor');
      expect(record!.value.payload.temperature).toBe(21.5);
      expect(record!.headers.event_id).toBe(sent.event_id);
      expect(record!.headers.event_type).toBe('iot.sensor');
      expect(record!.headers.trace_id).toBe(record!.value.trace_id);
      expect(record!.raw[0]).toBe(0); // Confluent magic byte
    }
    const traced = records.find((r) => r.value.event_id === byType.event_id)!;
    expect(traced.value.trace_id).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traced.value.metadata).toEqual({ source: 'e2e' });
    expect(traced.value.timestamp).toBe(Date.parse(byType.timestamp as string));
  });

  it('accepts Confluent-framed Avro encoded with the registry id, and refuses an id of another subject', async () => {
    const client = new SchemaRegistry({ host: t.registry.url, auth: kafkajsRegistryAuth(t.registry.credentials) });
    const iotId = await client.getLatestSchemaId(`${iotTopic}-value`);
    const clickId = await client.getLatestSchemaId(`${clickTopic}-value`);
    const event = { event_id: `avro-${Date.now()}`, timestamp: Date.now(), event_type: 'iot.sensor', user_id: null, device_id: 'device-avro', trace_id: null, metadata: null, payload: { temperature: 5.5, humidity: null, battery: 80, unit: 'F' } };
    const bytes = await client.encode(iotId, event);
    const answer = await post(t.url, '/api/v1/events/iot.sensor', bytes, { ...authHeaders(), 'content-type': 'application/vnd.kafka.avro.v2+binary', 'x-trace-id': 'trace-from-header' });
    expect(answer.status).toBe(201);
    const records = await readTopic(kafka, t.registry, iotTopic);
    const record = records.find((r) => r.partition === answer.body.partition && r.offset === String(answer.body.offset))!;
    expect(record.value).toMatchObject({ ...event, trace_id: 'trace-from-header' });

    const foreign = await client.encode(clickId, { event_id: 'c1', timestamp: 1, event_type: 'clickstream', user_id: 'u', device_id: null, trace_id: null, metadata: null, payload: { page: '/', action: 'view', element: null, referrer: null, duration_ms: null } });
    const refused = await post(t.url, '/api/v1/events/iot.sensor', foreign, { ...authHeaders(), 'content-type': 'application/octet-stream' });
    expect(refused.status).toBe(400);
    expect(refused.body.error_code).toBe('SCHEMA_SUBJECT_MISMATCH');
    const garbage = await post(t.url, '/api/v1/events/iot.sensor', Buffer.concat([bytes.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff])]), { ...authHeaders(), 'content-type': 'application/octet-stream' });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error_code).toBe('INVALID_AVRO');
  });

  it('refuses events that do not belong to the topic or lack the partition key, writing nothing', async () => {
    const before = await endOffsets(kafka, [iotTopic, clickTopic]);
    const wrongType = await post(t.url, '/api/v1/events/iot.sensor', iotEvent({ event_type: 'clickstream' }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error_code).toBe('EVENT_TYPE_MISMATCH');
    const clickOnIot = await post(t.url, '/api/v1/events/iot.sensor', clickEvent());
    expect(clickOnIot.status).toBe(400);
    const noKey = await post(t.url, '/api/v1/events/clickstream', clickEvent({ user_id: undefined }));
    expect(noKey.status).toBe(400);
    expect(noKey.body).toMatchObject({ error_code: 'MISSING_PARTITION_KEY', details: { field: 'user_id' } });
    const unknownField = await post(t.url, '/api/v1/events/iot.sensor', iotEvent({ colour: 'red' }));
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.details.problems).toContainEqual({ path: 'colour', message: 'unknown field' });
    for (const answer of [wrongType, clickOnIot, noKey, unknownField]) expectErrorFormat(answer.body);
    expect(await endOffsets(kafka, [iotTopic, clickTopic])).toEqual(before);
  });

  it('publishes a batch: one result per event in order, invalid ones reported, valid ones written', async () => {
    // Partitions of user-2 and MSFT in 6 from Kafka's Java client: 2 and 0 (both hashes are negative).
    const events = [clickEvent({ user_id: 'user-2' }), { junk: true }, clickEvent({ event_type: 'iot.sensor' }), clickEvent({ user_id: 'MSFT' }), 'not an object'];
    const answer = await post(t.url, '/api/v1/events/clickstream/batch', { events });
    expect(answer.status).toBe(207);
    expect(answer.body.results.map((r: any) => r.status)).toEqual(['published', 'rejected', 'rejected', 'published', 'rejected']);
    expect(answer.body.results.map((r: any) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(answer.body.results[2].error_code).toBe('EVENT_TYPE_MISMATCH');
    expect(answer.body).toMatchObject({ accepted: 2, rejected: 3, duplicates: 0 });
    const records = await readTopic(kafka, t.registry, clickTopic);
    for (const [index, partition] of [[0, 2], [3, 0]]) {
      const result = answer.body.results[index];
      const record = records.find((r) => r.partition === result.partition && r.offset === String(result.offset))!;
      expect(record.value.event_id).toBe((events[index] as any).event_id);
      expect(result.partition).toBe(partition);
    }

    const allGood = await post(t.url, `/api/v1/events/${clickTopic}/batch`, { events: [clickEvent(), clickEvent()] });
    expect(allGood.status).toBe(201);
    const noneGood = await post(t.url, '/api/v1/events/clickstream/batch', { events: [{}, { event_type: 'x' }] });
    expect(noneGood.status).toBe(400);
    expect(noneGood.body.error_code).toBe('BATCH_REJECTED');
    expect(noneGood.body.details.results).toHaveLength(2);
  });

  it('enforces batch and body limits with 413, and content types with 415', async () => {
    const before = await endOffsets(kafka, [iotTopic]);
    const tooMany = await post(t.url, '/api/v1/events/iot.sensor/batch', { events: Array.from({ length: 1001 }, () => iotEvent()) });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error_code).toBe('BATCH_TOO_LARGE');
    const padding = 'x'.repeat(6 * 1024 * 1024);
    const tooBig = await post(t.url, '/api/v1/events/iot.sensor/batch', { events: [iotEvent({ metadata: { padding } })] });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error_code).toBe('PAYLOAD_TOO_LARGE');
    const singleTooBig = await post(t.url, '/api/v1/events/iot.sensor', iotEvent({ metadata: { padding: 'y'.repeat(1024 * 1024 + 10) } }));
    expect(singleTooBig.status).toBe(413);
    expect(singleTooBig.body.error_code).toBe('PAYLOAD_TOO_LARGE');
    // 2 MB fits the batch limit but not the single-event limit.
    const mediumBatch = await post(t.url, '/api/v1/events/iot.sensor/batch', { events: [iotEvent({ metadata: { padding: 'z'.repeat(512 * 1024) } })] });
    expect(mediumBatch.status).toBe(201);
    const text = await post(t.url, '/api/v1/events/iot.sensor', 'hello', { ...authHeaders(), 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const form = await post(t.url, '/api/v1/events/iot.sensor', 'a=b', { ...authHeaders(), 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const badJson = await post(t.url, '/api/v1/events/iot.sensor', '{"event_id": ', authHeaders());
    expect(badJson.status).toBe(400);
    expect(badJson.body.error_code).toBe('INVALID_JSON');
    for (const answer of [tooMany, tooBig, singleTooBig, text, form, badJson]) expectErrorFormat(answer.body);
    const after = await endOffsets(kafka, [iotTopic]);
    const written = Object.keys(after).reduce((n, k) => n + Number(BigInt(after[k]) - BigInt(before[k])), 0);
    expect(written).toBe(1); // only the medium batch's event
  });

  it('answers latest with the newest events first, read from Kafka, limited and validated', async () => {
    const base = Date.now() - 60_000;
    const sent = [3, 1, 4, 1.5, 9, 2, 6].map((n, i) => iotEvent({ device_id: `latest-${i % 3}`, timestamp: Math.round(base + n * 1000) }));
    for (const event of sent) expect((await post(t.url, '/api/v1/events/iot.sensor', event)).status).toBe(201);
    const answer = await get(t.url, `/api/v1/events/${iotTopic}/latest?limit=4`);
    expect(answer.status).toBe(200);
    expect(answer.body.topic).toBe(iotTopic);
    expect(answer.body.events).toHaveLength(4);
    const times = answer.body.events.map((e: any) => e.event.timestamp);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The contract: the last 4 records written to each partition, merged newest first by event time,
    // the first 4 of those. (Newest by event time across the whole topic would mean reading all of it.)
    const all = await readTopic(kafka, t.registry, iotTopic);
    const lastWritten = [...new Set(all.map((r) => r.partition))].flatMap((p) =>
      all
        .filter((r) => r.partition === p)
        .sort((a, b) => Number(BigInt(b.offset) - BigInt(a.offset)))
        .slice(0, 4),
    );
    const expected = lastWritten.map((r) => r.value.timestamp).sort((a, b) => b - a).slice(0, 4);
    expect(times).toEqual(expected);
    for (const e of answer.body.events) expect(e.topic).toBe(iotTopic);

    expect((await get(t.url, '/api/v1/events/iot.sensor/latest')).body.events.length).toBeLessThanOrEqual(10);
    for (const bad of ['0', '1001', 'abc', '-1', '1e3']) {
      const refused = await get(t.url, `/api/v1/events/iot.sensor/latest?limit=${bad}`);
      expect(refused.status).toBe(400);
      expect(refused.body.error_code).toBe('INVALID_QUERY');
    }
  });

  it('checks tokens and per-topic scopes: 401 without a valid token, 403 without the scope, 404 for an unknown topic', async () => {
    const event = clickEvent();
    expect((await post(t.url, '/api/v1/events/clickstream', event, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(t.url, '/api/v1/events/clickstream', event, { 'content-type': 'application/json', authorization: 'Bearer abc.def.ghi' })).status).toBe(401);
    const readOnly = await post(t.url, '/api/v1/events/clickstream', event, authHeaders([`events:read:${clickTopic}`]));
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.details.required).toBe(`events:write:${clickTopic}`);
    expect((await post(t.url, '/api/v1/events/clickstream', clickEvent(), authHeaders([`events:write:${clickTopic}`]))).status).toBe(201);
    expect((await post(t.url, '/api/v1/events/clickstream', clickEvent(), authHeaders(['events:write:clickstream']))).status).toBe(201);
    expect((await post(t.url, '/api/v1/events/clickstream', clickEvent(), authHeaders(['events:write:*']))).status).toBe(201);
    expect((await post(t.url, '/api/v1/events/clickstream', clickEvent(), authHeaders(['admin']))).status).toBe(201);
    expect((await post(t.url, '/api/v1/events/iot.sensor', iotEvent(), authHeaders([`events:write:${clickTopic}`]))).status).toBe(403);
    expect((await get(t.url, '/api/v1/events/clickstream/latest', authHeaders(['events:write:*']))).status).toBe(403);
    expect((await get(t.url, '/api/v1/events/clickstream/latest?limit=1', authHeaders(['events:read:*']))).status).toBe(200);
    const unknown = await post(t.url, '/api/v1/events/nope.nope', event);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('UNKNOWN_TOPIC');
  });

  it('echoes or generates a request id, serves health, metrics and the OpenAPI document', async () => {
    const answer = await post(t.url, '/api/v1/events/nope', {}, { ...authHeaders(), 'x-request-id': 'my-request-1' });
    expect(answer.headers.get('x-request-id')).toBe('my-request-1');
    expect(answer.body.request_id).toBe('my-request-1');
    const hostile = await post(t.url, '/api/v1/events/nope', {}, { ...authHeaders(), 'x-request-id': 'bad id with spaces' });
    expect(hostile.headers.get('x-request-id')).not.toBe('bad id with spaces');
    expect(hostile.body.request_id).toBe(hostile.headers.get('x-request-id'));

    const health = await get(t.url, '/api/v1/health', {});
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', kafka_connected: true, schema_registry_connected: true });
    expect(typeof health.body.uptime_seconds).toBe('number');
    expect((await get(t.url, '/api/v1/health/live', {})).status).toBe(200);
    expect((await get(t.url, '/api/v1/health/ready', {})).status).toBe(200);

    const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/api\/v1\/events\/:topic",status="201"/);
    expect(metrics).toMatch(/http_request_duration_seconds_bucket/);
    expect(metrics).toMatch(/ingest_produce_duration_seconds_bucket/);
    expect(metrics).toMatch(/ingest_events_rejected_total\{reason="EVENT_TYPE_MISMATCH"/);
    expect(metrics).toMatch(/ingest_ws_open_sockets/);

    const docs = await get(t.url, '/docs-json', {});
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/api/v1/events/{topic}', '/api/v1/events/{topic}/batch', '/api/v1/events/{topic}/latest']));
    const ui = await fetch(`${t.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui-bundle.js');
  });
});
