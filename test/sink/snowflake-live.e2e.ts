/**
 * Opt-in: the Snowflake adapter against a real account. Runs only when SNOWFLAKE_ACCOUNT,
 * SNOWFLAKE_USER, SNOWFLAKE_DATABASE, SNOWFLAKE_WAREHOUSE and a credential (SNOWFLAKE_PASSWORD,
 * SNOWFLAKE_PRIVATE_KEY or SNOWFLAKE_PRIVATE_KEY_PATH) are set; otherwise the suite is reported as
 * skipped. It creates RAW.EVENTS and ANALYTICS.AGGREGATED_EVENTS in SNOWFLAKE_DATABASE when missing
 * (point it at a scratch database), writes rows tagged with a unique run id and deletes them after.
 *
 *   SNOWFLAKE_ACCOUNT=xy12345.eu-west-1 SNOWFLAKE_USER=... SNOWFLAKE_PASSWORD=... \
 *   SNOWFLAKE_DATABASE=SCRATCH SNOWFLAKE_WAREHOUSE=COMPUTE_WH \
 *   npx jest test/sink/snowflake-live.e2e.ts --selectProjects e2e
 */
import { randomUUID } from 'crypto';
import { connectSnowflake, LoadRecord, SnowflakeAdapter, SqlSession, WarehouseLoader } from '@platform/warehouse';
import { loadSinkConfig } from '../../apps/sink/src/config';

const REQUIRED = ['SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_USER', 'SNOWFLAKE_DATABASE', 'SNOWFLAKE_WAREHOUSE'];
const hasCredential = ['SNOWFLAKE_PASSWORD', 'SNOWFLAKE_PRIVATE_KEY', 'SNOWFLAKE_PRIVATE_KEY_PATH'].some((v) => process.env[v]);
const missing = REQUIRED.filter((v) => !process.env[v]);
const live = missing.length === 0 && hasCredential;
const describeLive = live ? describe : describe.skip;
const title = live
  ? 'Snowflake live: MERGE upserts, highest version, new column, replay'
  : `Snowflake live (skipped: set ${[...missing, ...(hasCredential ? [] : ['SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY[_PATH]'])].join(', ')})`;

describeLive(title, () => {
  const run = `live-${randomUUID().slice(0, 8)}`;
  let session: SqlSession;
  let loader: WarehouseLoader;

  beforeAll(async () => {
    const config = loadSinkConfig({ ...process.env, WAREHOUSE: 'snowflake', SINK_DESTINATIONS: 'warehouse' });
    session = await connectSnowflake(config.snowflake!);
    loader = new WarehouseLoader(new SnowflakeAdapter(session));
    await loader.start();
  });

  afterAll(async () => {
    if (!session) return;
    await session.execute('DELETE FROM "RAW"."EVENTS" WHERE "EVENT_ID" LIKE ?', [`${run}-%`]).catch(() => undefined);
    await session.execute('DELETE FROM "ANALYTICS"."AGGREGATED_EVENTS" WHERE "GROUP_KEY" LIKE ?', [`${run}-%`]).catch(() => undefined);
    await loader.close();
  });

  const origin = (topic: string, offset: number) => ({ topic, partition: 0, offset, timestamp: Date.UTC(2026, 0, 1, 10, 2), schemaId: 1 });
  const raw = (i: number): LoadRecord => ({
    kind: 'raw',
    value: { event_id: `${run}-${i}`, timestamp: Date.UTC(2026, 0, 1, 10, 0, i), event_type: 'clickstream', user_id: `u-${i}`, device_id: null, trace_id: null, payload: { page: `/p/${i}` }, metadata: null },
    origin: origin('events.clickstream', i),
    extras: [],
    ref: i,
  });
  const agg = (version: number, count: number, retracted: boolean): LoadRecord => ({
    kind: 'aggregate',
    value: {
      window_start: Date.UTC(2026, 0, 1, 10, 0),
      window_end: Date.UTC(2026, 0, 1, 10, 1),
      window_name: 'tumbling_1m',
      window_kind: 'tumbling',
      event_type: 'clickstream',
      group_key: `${run}-g`,
      count,
      sum_value: count,
      avg_value: 1,
      min_value: 1,
      max_value: 1,
      distinct_users: count,
      version,
      is_final: false,
      processed_time: Date.UTC(2026, 0, 1, 10, 2),
      retracted,
    },
    origin: origin('events.aggregated', version),
    extras: [{ field: 'retracted', name: 'retracted', type: 'boolean', nullable: true }],
    ref: version,
  });

  it('loads events once, keeps the highest aggregate version, adds the retracted column, and a replay changes nothing', async () => {
    const batch = [raw(1), raw(2), raw(3), agg(1, 5, false)];
    await loader.write(await loader.prepare(batch), []);
    await loader.write(await loader.prepare([agg(3, 9, true), agg(2, 7, false)]), []);
    // A replay of everything (the Kafka commit was lost) merges to the same state.
    await loader.write(await loader.prepare([...batch, agg(2, 7, false)]), []);

    const events = await session.execute('SELECT COUNT(*) AS N FROM "RAW"."EVENTS" WHERE "EVENT_ID" LIKE ?', [`${run}-%`]);
    expect(Number(events[0].N)).toBe(3);
    const aggregates = await session.execute('SELECT "VERSION", "COUNT", "RETRACTED" FROM "ANALYTICS"."AGGREGATED_EVENTS" WHERE "GROUP_KEY" = ?', [`${run}-g`]);
    expect(aggregates.map((r) => [Number(r.VERSION), Number(r.COUNT), r.RETRACTED])).toEqual([[3, 9, true]]);
  });
});
