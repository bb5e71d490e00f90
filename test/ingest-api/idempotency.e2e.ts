/**
 * A repeated event_id returns the first result and writes nothing new: in memory for one instance,
 * and through Redis (REDIS_URL) so that two API instances on the same topics agree.
 */
import { randomUUID } from 'crypto';
import { Kafka } from 'kafkajs';
import { testKafka } from '@test/support';
import { clickEvent, endOffsets, iotEvent, post, readTopic, startTestApi, TestApi } from './support';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two API instances on the same topics and the same Redis key prefix (fresh per test). */
async function twoInstancesSharingRedis(): Promise<[TestApi, TestApi]> {
  const env = { REDIS_URL, REDIS_KEY_PREFIX: `ingest-e2e-${randomUUID()}:` };
  const a = await startTestApi({ env });
  const b = await startTestApi({ env, pipelinePath: a.pipelinePath });
  return [a, b];
}

describe('ingest API idempotency (real broker, real registry)', () => {
  let kafka: Kafka;
  beforeAll(() => {
    kafka = testKafka('ingest-idempotency-e2e');
  });

  it('in memory: a repeated event_id answers 200 with the first result and Kafka holds it once', async () => {
    const t = await startTestApi();
    try {
      const topic = t.topic('iot.sensor');
      const event = iotEvent();
      const first = await post(t.url, '/api/v1/events/iot.sensor', event);
      expect(first.status).toBe(201);
      const before = await endOffsets(kafka, [topic]);
      // Same id, different body: still the first result (the id is the identity).
      const again = await post(t.url, '/api/v1/events/iot.sensor', { ...event, payload: { temperature: 99, humidity: 1 } });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ event_id: first.body.event_id, topic, partition: first.body.partition, offset: first.body.offset, timestamp: first.body.timestamp });
      // A duplicate inside a batch is reported as the first result too.
      const batch = await post(t.url, '/api/v1/events/iot.sensor/batch', { events: [event] });
      expect(batch.status).toBeLessThan(300);
      expect(JSON.stringify(batch.body)).toContain(String(first.body.offset));
      expect(await endOffsets(kafka, [topic])).toEqual(before);
      const records = (await readTopic(kafka, t.registry, topic)).filter((r) => r.value.event_id === event.event_id);
      expect(records).toHaveLength(1);
      expect(records[0].value.payload.temperature).toBe(21.5);
      expect(records[0].offset).toBe(String(first.body.offset));
    } finally {
      await t.close();
    }
  });

  it('with REDIS_URL: two instances on the same topics agree; the second answers the first result and writes nothing', async () => {
    const [a, b] = await twoInstancesSharingRedis();
    try {
      const topic = a.topic('clickstream');
      const events = Array.from({ length: 5 }, () => clickEvent());
      const firsts = [];
      for (const event of events) {
        const answer = await post(a.url, '/api/v1/events/clickstream', event);
        expect(answer.status).toBe(201);
        firsts.push(answer.body);
      }
      const before = await endOffsets(kafka, [topic]);
      for (const [i, event] of events.entries()) {
        const answer = await post(b.url, '/api/v1/events/clickstream', event);
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ event_id: firsts[i].event_id, partition: firsts[i].partition, offset: firsts[i].offset });
      }
      // Concurrent repeats of a fresh id on both instances: exactly one write.
      const fresh = clickEvent();
      const answers = await Promise.all([a, b, a, b].map((api) => post(api.url, '/api/v1/events/clickstream', fresh)));
      expect(answers.every((r) => r.status === 200 || r.status === 201)).toBe(true);
      expect(new Set(answers.map((r) => `${r.body.partition}:${r.body.offset}`)).size).toBe(1);
      const after = await endOffsets(kafka, [topic]);
      const written = Object.keys(after).reduce((n, k) => n + Number(after[k]) - Number(before[k]), 0);
      expect(written).toBe(1);
      const records = await readTopic(kafka, a.registry, topic);
      for (const event of [...events, fresh]) expect(records.filter((r) => r.value.event_id === event.event_id)).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('with REDIS_URL, batches: repeats inside a batch, the same batch on the other instance and overlapping concurrent batches each write an event once', async () => {
    const [a, b] = await twoInstancesSharingRedis();
    try {
      const topic = a.topic('iot.sensor');
      const path = '/api/v1/events/iot.sensor/batch';
      const before = await endOffsets(kafka, [topic]);
      const [e0, e1, e2] = [iotEvent(), iotEvent(), iotEvent()];
      // Slot 2 repeats slot 0 with another body, slot 3 is schema-invalid, slot 5 repeats slot 1.
      const events = [e0, e1, { ...e0, payload: { temperature: 99, humidity: 1 } }, iotEvent({ payload: { temperature: 'hot' } }), e2, e1];
      const first = await post(a.url, path, { events });
      expect(first.status).toBe(207);
      expect(first.body).toMatchObject({ accepted: 3, duplicates: 2, rejected: 1 });
      const results = first.body.results;
      expect(results.map((r: any) => r.status)).toEqual(['published', 'published', 'published', 'rejected', 'published', 'published']);
      expect(results[2]).toMatchObject({ duplicate: true, partition: results[0].partition, offset: results[0].offset });
      expect(results[5]).toMatchObject({ duplicate: true, partition: results[1].partition, offset: results[1].offset });
      expect(results[0].duplicate).toBeUndefined();

      // The same batch on the other instance: every valid slot is a duplicate with the first answer.
      const again = await post(b.url, path, { events });
      expect(again.status).toBe(207);
      expect(again.body).toMatchObject({ accepted: 0, duplicates: 5, rejected: 1 });
      for (const i of [0, 1, 2, 4, 5]) expect(again.body.results[i]).toMatchObject({ duplicate: true, partition: results[i].partition, offset: results[i].offset });

      // Overlapping batches at once on both instances: the shared ids are written by exactly one of them.
      const shared = Array.from({ length: 20 }, () => iotEvent());
      const onlyA = Array.from({ length: 5 }, () => iotEvent());
      const onlyB = Array.from({ length: 5 }, () => iotEvent());
      const [fromA, fromB] = await Promise.all([
        post(a.url, path, { events: [...shared, ...onlyA] }),
        post(b.url, path, { events: [...onlyB, ...shared.slice().reverse()] }),
      ]);
      expect([fromA.status, fromB.status]).toEqual([201, 201]);
      expect(fromA.body.accepted + fromB.body.accepted).toBe(shared.length + onlyA.length + onlyB.length);
      expect(fromA.body.duplicates + fromB.body.duplicates).toBe(shared.length);
      const answerA = new Map(shared.map((e, i) => [e.event_id, fromA.body.results[i]]));
      const answerB = new Map(shared.map((e, i) => [e.event_id, fromB.body.results[onlyB.length + shared.length - 1 - i]]));
      for (const event of shared) {
        const [x, y] = [answerA.get(event.event_id), answerB.get(event.event_id)];
        expect(`${x.partition}:${x.offset}`).toBe(`${y.partition}:${y.offset}`);
        expect(Boolean(x.duplicate) !== Boolean(y.duplicate)).toBe(true);
      }

      const unique = 3 + shared.length + onlyA.length + onlyB.length;
      const after = await endOffsets(kafka, [topic]);
      const written = Object.keys(after).reduce((n, k) => n + Number(after[k]) - Number(before[k] ?? 0), 0);
      expect(written).toBe(unique);
      const records = await readTopic(kafka, a.registry, topic);
      for (const event of [e0, e1, e2, ...shared, ...onlyA, ...onlyB]) expect(records.filter((r) => r.value.event_id === event.event_id)).toHaveLength(1);
      expect(records.find((r) => r.value.event_id === e0.event_id)!.value.payload.temperature).toBe(21.5);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
