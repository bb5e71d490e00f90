/**
 * Seed 003's API properties as fast-check properties against the real broker and registry (100 runs
 * each, the seed's minimum). Validity is known by construction, not by asking the validator.
 *   Property 1: schema validation consistency      Property 2: event routing correctness
 *   Property 4: partition key consistency           Property 11: API response completeness
 *   Property 12: recent events query correctness    Property 20: JWT authentication enforcement
 * (Property 13, WebSocket order and completeness, is covered in stream.e2e.ts.)
 */
import fc from 'fast-check';
import { randomUUID } from 'crypto';
import { KAFKA_JAVA_KEYS, kafkaJavaPartition } from '@test/support';
import { authHeaders, get, post, startTestApi, TestApi } from './support';

const RUNS = { numRuns: 100 };

const JAVA_DEVICE_KEYS = KAFKA_JAVA_KEYS.filter((key) => /^[a-z0-9-]{1,24}$/.test(key));

/** A valid iot.sensor event, or one made invalid in exactly one known way. */
const sensorEvent = fc
  .record({
    // Half the keys have a partition computed by Kafka's Java client to compare with.
    device: fc.oneof(fc.constantFrom(...JAVA_DEVICE_KEYS), fc.stringMatching(/^[a-z0-9-]{1,24}$/)),
    temperature: fc.double({ min: -50, max: 150, noNaN: true }),
    humidity: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
    unit: fc.constantFrom('C', 'F'),
    breakage: fc.constantFrom('none', 'none', 'none', 'temperature-as-text', 'unknown-unit', 'no-payload', 'timestamp-as-object', 'humidity-as-bool'),
  })
  .map(({ device, temperature, humidity, unit, breakage }) => {
    const payload: Record<string, unknown> = { temperature, humidity, unit };
    const event: Record<string, unknown> = { event_id: `prop-${randomUUID()}`, timestamp: Date.now(), event_type: 'iot.sensor', device_id: device, payload };
    if (breakage === 'temperature-as-text') payload.temperature = `${temperature} degrees`;
    if (breakage === 'unknown-unit') payload.unit = 'K';
    if (breakage === 'no-payload') delete event.payload;
    if (breakage === 'timestamp-as-object') event.timestamp = { at: 'now' };
    if (breakage === 'humidity-as-bool') payload.humidity = true;
    return { event, valid: breakage === 'none' };
  });

describe('seed 003 API properties (real broker, real registry)', () => {
  let t: TestApi;
  let partitions: number;

  beforeAll(async () => {
    t = await startTestApi();
    partitions = t.pipeline.eventTypes.find((e) => e.name === 'iot.sensor')!.partitions;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('Property 1, 2, 4, 11: accepted exactly when valid; routed to its type topic; partition from its key; complete answers', async () => {
    const topic = t.topic('iot.sensor');
    await fc.assert(
      fc.asyncProperty(sensorEvent, fc.boolean(), async ({ event, valid }, byTopicName) => {
        // Posting to the other route name of the same type must route the same way (Property 2).
        const path = byTopicName ? `/api/v1/events/${topic}` : '/api/v1/events/iot.sensor';
        const answer = await post(t.url, path, event);
        expect(answer.status === 201).toBe(valid);
        if (!valid) {
          expect(answer.status).toBe(400);
          return;
        }
        expect(answer.body).toEqual(expect.objectContaining({ event_id: event.event_id, topic, partition: expect.any(Number), offset: expect.anything(), timestamp: expect.any(String) }));
        const device = String(event.device_id);
        if (JAVA_DEVICE_KEYS.includes(device)) expect(answer.body.partition).toBe(kafkaJavaPartition(device, partitions));
        else expect(answer.body.partition).toBeLessThan(partitions);
        expect(answer.body.partition).toBeGreaterThanOrEqual(0);
      }),
      RUNS,
    );
  });

  it('Property 12: latest answers only the asked topic, newest event time first, at most limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 25 }), fc.constantFrom('iot.sensor', 'clickstream'), async (limit, type) => {
        const answer = await get(t.url, `/api/v1/events/${type}/latest?limit=${limit}`);
        expect(answer.status).toBe(200);
        const events = answer.body.events as Array<{ topic: string; event: { timestamp: number } }>;
        expect(events.length).toBeLessThanOrEqual(limit);
        for (const e of events) expect(e.topic).toBe(t.topic(type));
        const times = events.map((e) => Number(e.event.timestamp));
        expect(times).toEqual([...times].sort((a, b) => b - a));
      }),
      RUNS,
    );
  });

  it('Property 20: without a valid token every request is refused with 401 and nothing is accepted', async () => {
    const badAuth = fc.oneof(
      fc.constant<Record<string, string>>({}),
      fc.string({ maxLength: 60 }).map((s) => ({ authorization: `Bearer ${s.replace(/[^\x21-\x7e]/g, 'x')}` })),
      fc.constant({ authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzY29wZSI6ImV2ZW50czoqIn0.' }),
    );
    await fc.assert(
      fc.asyncProperty(sensorEvent, badAuth, async ({ event }, auth) => {
        const answer = await post(t.url, '/api/v1/events/iot.sensor', event, { ...auth, 'content-type': 'application/json' });
        expect(answer.status).toBe(401);
      }),
      RUNS,
    );
    // The same requests with a valid token are accepted: the refusals were about the token.
    expect((await post(t.url, '/api/v1/events/iot.sensor', { event_id: `prop-${randomUUID()}`, timestamp: Date.now(), event_type: 'iot.sensor', device_id: 'd1', payload: { temperature: 20, unit: 'C' } }, authHeaders())).status).toBe(201);
  });
});
