/**
 * Values the API used to accept and then lose or distort are refused at the door with a clear error,
 * and nothing is written: far-future and impossible event times, non-finite numbers, integers beyond
 * their type, lone UTF-16 surrogates.
 */
import { testKafka } from '@test/support';
import { endOffsets, expectErrorFormat, iotEvent, clickEvent, post, startTestApi, TestApi } from './support';

describe('ingest API: strict values and bounded event time', () => {
  let t: TestApi;
  const kafka = testKafka('ingest-strict-values');

  beforeAll(async () => {
    t = await startTestApi({ env: { EVENT_TIME_MAX_AGE: '30d' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  const iotPath = () => `/api/v1/events/${t.topic('iot.sensor')}`;
  const clickPath = () => `/api/v1/events/${t.topic('clickstream')}`;

  it('refuses event times beyond the future skew or the maximum age, naming the bound, and writes nothing', async () => {
    const total = async () => Object.values(await endOffsets(kafka, [t.topic('iot.sensor')])).reduce((n, high) => n + Number(high), 0);
    const before = await total();
    const cases: Array<[unknown, string, RegExp]> = [
      ['9999-12-31T23:59:59Z', 'TIMESTAMP_TOO_FAR_IN_FUTURE', /EVENT_TIME_MAX_FUTURE_SKEW/],
      [Date.now() + 3_600_000, 'TIMESTAMP_TOO_FAR_IN_FUTURE', /EVENT_TIME_MAX_FUTURE_SKEW/],
      ['2000-01-01T00:00:00Z', 'TIMESTAMP_TOO_OLD', /EVENT_TIME_MAX_AGE/],
    ];
    for (const [timestamp, code, message] of cases) {
      const answer = await post(t.url, iotPath(), iotEvent({ timestamp }));
      expect({ timestamp, status: answer.status, code: answer.body.error_code }).toEqual({ timestamp, status: 400, code });
      expect(answer.body.message).toMatch(message);
      expectErrorFormat(answer.body);
    }
    expect((await post(t.url, iotPath(), iotEvent({ timestamp: Date.now() + 60_000 }))).status).toBe(201);
    expect((await total()) - before).toBe(1);
  });

  it('parses times strictly: 2024-02-30 is refused, not rolled over to March 1st', async () => {
    const now = new Date();
    const iso = (day: string) => `${now.getUTCFullYear()}-${day}T00:00:00Z`;
    for (const timestamp of [iso('02-30'), iso('04-31'), iso('13-01'), `${now.toISOString().slice(0, 10)}T25:00:00Z`]) {
      const answer = await post(t.url, iotPath(), iotEvent({ timestamp }));
      expect({ timestamp, status: answer.status, code: answer.body.error_code }).toEqual({ timestamp, status: 400, code: 'SCHEMA_VALIDATION_FAILED' });
    }
  });

  it('refuses 1e400, integers beyond their type and lone surrogates, and writes nothing', async () => {
    const topics = [t.topic('iot.sensor'), t.topic('clickstream')];
    const before = await endOffsets(kafka, topics);
    const event = iotEvent();
    const raw = (payload: string) => JSON.stringify({ ...event, payload: '__P__' }).replace('"__P__"', payload);
    for (const payload of ['{"temperature":1e400}', '{"temperature":-1e400}', '{"temperature":21,"battery":1e309}']) {
      const answer = await post(t.url, iotPath(), raw(payload));
      expect({ payload, status: answer.status, code: answer.body.error_code }).toEqual({ payload, status: 400, code: 'SCHEMA_VALIDATION_FAILED' });
    }
    // A long beyond what avsc writes exactly (JSON has no 64-bit integers; 2^63-1 arrives rounded).
    const click = clickEvent();
    const tooLong = JSON.stringify({ ...click, payload: '__P__' }).replace('"__P__"', '{"page":"/x","action":"view","duration_ms":9223372036854775807}');
    const longAnswer = await post(t.url, clickPath(), tooLong);
    expect({ status: longAnswer.status, code: longAnswer.body.error_code }).toEqual({ status: 400, code: 'SCHEMA_VALIDATION_FAILED' });
    for (const page of ['\ud800', 'a\udfffb', '\ud83d']) {
      const answer = await post(t.url, clickPath(), clickEvent({ payload: { page, action: 'view' } }));
      expect({ status: answer.status, code: answer.body.error_code }).toEqual({ status: 400, code: 'SCHEMA_VALIDATION_FAILED' });
      expect(JSON.stringify(answer.body.details.problems)).toMatch(/lone UTF-16 surrogate/);
    }
    expect(await endOffsets(kafka, topics)).toEqual(before);
  });
});
