/**
 * Anything the API accepts survives every hop unchanged: generated valid events, with extreme but
 * valid values (the largest and smallest finite doubles, the extreme longs avsc writes exactly,
 * text from every Unicode plane, empty strings), are POSTed to the real API, go through the real
 * broker and registry, and are compared field by field in raw.events (DuckDB) and in the lake.
 */
import { join } from 'path';
import fc from 'fast-check';
import { LONG_MAX_EXACT as LONG_MAX, LONG_MIN_EXACT as LONG_MIN } from '@platform/schema';
import { eventually, uniqueName } from '@test/support';
import { loadSinkConfig } from '../../apps/sink/src/config';
import { SinkHandle, startSink } from '../../apps/sink/src/bootstrap';
import { post, startTestApi, TestApi } from '../ingest-api/support';
import { queryDuckDbFile, queryParquet, tempDir } from './support';

const SEED = Number(process.env.ROUNDTRIP_SEED ?? Date.now() % 1_000_000);

const text = (minLength = 0) => fc.oneof(fc.string({ unit: 'binary', minLength, maxLength: 24 }), fc.string({ unit: 'grapheme', minLength, maxLength: 12 }), fc.constant(minLength === 0 ? '' : '\u{10FFFD}'));
const double = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 0, 1e-300, 123.456),
);
const long = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.constantFrom(LONG_MAX, LONG_MIN, 0), fc.maxSafeInteger().filter((n) => n >= LONG_MIN && n <= LONG_MAX));
const metadata = fc.option(fc.dictionary(text(), text(), { maxKeys: 3 }), { nil: null });
const envelope = (type: string) =>
  fc.record({
    event_id: fc.tuple(fc.uuid(), text()).map(([id, suffix]) => `${id}${suffix}`),
    timestamp: fc.integer({ min: Date.now() - 20 * 86_400_000, max: Date.now() }),
    event_type: fc.constant(type),
    user_id: text(1),
    device_id: text(1),
    trace_id: text(1),
    metadata,
  });

const clickArb = fc.tuple(
  envelope('clickstream'),
  fc.record({
    page: text(),
    action: fc.constantFrom('view', 'click', 'scroll', 'submit'),
    element: fc.option(text(), { nil: null }),
    referrer: fc.option(text(), { nil: null }),
    duration_ms: fc.option(long, { nil: null }),
  }),
).map(([e, payload]) => ({ ...e, payload }));

const iotArb = fc.tuple(
  envelope('iot.sensor'),
  fc.record({
    temperature: double,
    humidity: fc.option(double, { nil: null }),
    battery: fc.option(double, { nil: null }),
    unit: fc.constantFrom('C', 'F'),
  }),
).map(([e, payload]) => ({ ...e, payload }));

type Event = ReturnType<typeof iotArb.generate>['value'] | ReturnType<typeof clickArb.generate>['value'];

/** Column values back to plain JS: epoch ms for times, parsed JSON for JSON text. */
function normalize(row: Record<string, unknown>): Record<string, unknown> {
  const time = row.timestamp;
  const ms = time instanceof Date ? time.getTime() : typeof time === 'bigint' ? Number(time) : Number(time);
  const json = (value: unknown) => (value === null || value === undefined ? null : typeof value === 'string' ? JSON.parse(value) : value);
  return {
    event_id: row.event_id,
    timestamp: ms,
    event_type: row.event_type,
    user_id: row.user_id,
    device_id: row.device_id,
    trace_id: row.trace_id,
    metadata: json(row.metadata),
    payload: json(row.payload),
  };
}

describe('values survive every hop (API -> Kafka -> warehouse and lake)', () => {
  let t: TestApi;
  let sink: SinkHandle | undefined;
  const dir = tempDir('roundtrip');

  beforeAll(async () => {
    t = await startTestApi();
  });

  afterAll(async () => {
    await sink?.stop();
    await t?.close();
  });

  it(`lands every generated event unchanged in raw.events and the lake (seed ${SEED})`, async () => {
    const suffix = uniqueName('roundtrip');
    const config = loadSinkConfig({
      ...process.env,
      ...t.registry.clientEnv,
      PIPELINE_CONFIG: t.pipelinePath,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      DATA_DIR: dir,
      WAREHOUSE: 'duckdb',
      SINK_WAREHOUSE_GROUP: `${suffix}.warehouse`,
      SINK_LAKE_GROUP: `${suffix}.lake`,
      SINK_FLUSH_MAX_RECORDS: '1000',
      SINK_FLUSH_INTERVAL: '250ms',
      SINK_KAFKA_SESSION_TIMEOUT: '10s',
      LOG_LEVEL: 'warn',
    });
    sink = await startSink({ config });

    const clicks = fc.sample(clickArb, { seed: SEED, numRuns: 60 });
    const iots = fc.sample(iotArb, { seed: SEED + 1, numRuns: 60 });
    // The extremes always, whatever the sample holds.
    iots.push({ ...iots[0], event_id: `max-${SEED}`, payload: { temperature: Number.MAX_VALUE, humidity: -Number.MAX_VALUE, battery: Number.MIN_VALUE, unit: 'F' } });
    clicks.push({ ...clicks[0], event_id: `long-${SEED}`, user_id: '😀𝄞\u{10FFFD}', payload: { page: '', action: 'view', element: '中文', referrer: '', duration_ms: LONG_MAX } });
    clicks.push({ ...clicks[0], event_id: `long-min-${SEED}`, payload: { page: '\u{1F600}', action: 'click', element: null, referrer: null, duration_ms: LONG_MIN } });
    const sent: Event[] = [];
    for (const [type, events] of [['clickstream', clicks], ['iot.sensor', iots]] as const) {
      const answer = await post(t.url, `/api/v1/events/${t.topic(type)}/batch`, { events });
      expect({ type, status: answer.status, rejected: answer.body.results?.filter((r: { status: string }) => r.status === 'rejected') }).toEqual({ type, status: 201, rejected: [] });
      sent.push(...events);
    }
    const expected = new Map(sent.map((e) => [e.event_id, e]));
    expect(expected.size).toBe(sent.length);

    const duckdb = join(dir, 'warehouse.duckdb');
    /** Waits until `read` returns every sent event, then compares each with what was sent. */
    const expectAllStored = async (read: () => Promise<Array<Record<string, unknown>>>, what: string) => {
      const stored = await eventually(
        async () => {
          const mine = (await read()).filter((r) => expected.has(r.event_id as string));
          return mine.length === expected.size ? mine : undefined;
        },
        what,
        90_000,
        500,
      );
      for (const row of stored) {
        const got = normalize(row);
        expect(got).toEqual(expected.get(got.event_id as string));
      }
    };
    const columns = 'event_id, timestamp, event_type, user_id, device_id, trace_id, metadata, payload';

    await expectAllStored(() => queryDuckDbFile<Record<string, unknown>>(duckdb, `SELECT ${columns} FROM raw.events`), 'every event in raw.events');

    const lake = join(dir, 'lake');
    const globs = [t.topic('clickstream'), t.topic('iot.sensor')].map((topic) => join(lake, topic, '**/*.parquet'));
    await expectAllStored(() => queryParquet<Record<string, unknown>>((src) => `SELECT ${columns} FROM ${src}`, globs).catch(() => []), 'every event in the lake');
  }, 240_000);
});
