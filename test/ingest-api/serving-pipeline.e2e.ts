/**
 * The serving side end to end: events POSTed to the API, aggregated by the processor, loaded by the
 * sink into DuckDB; the windows are then read online (REST), streamed live (WebSocket), and
 * retrieved point-in-time from the warehouse, all equal to a computation from the posted events.
 */
import { join } from 'path';
import WebSocket from 'ws';
import { AggregatedRecord } from '@platform/contracts';
import { pointInTimeSql } from '@platform/warehouse';
import { eventually, registryClientEnv, tempDir } from '@test/support';
import { startProcessor, ProcessorHandle } from '../../apps/processor/src/bootstrap';
import { loadSinkConfig } from '../../apps/sink/src/config';
import { SinkHandle, startSink } from '../../apps/sink/src/bootstrap';
import { flushItems, produce, setUp, Setup } from '../processor/harness';
import { queryDuckDbFile } from '../sink/support';
import { authHeaders, iotEvent, post, startTestApi, TestApi, token } from './support';

const MIN = 60_000;

describe('serving end to end: POST, processor, online, live, point-in-time', () => {
  let setup: Setup;
  let api: TestApi | undefined;
  let processor: ProcessorHandle | undefined;
  let sink: SinkHandle | undefined;
  let socket: WebSocket | undefined;

  beforeAll(async () => {
    setup = await setUp('serving-pipeline');
  });

  afterAll(async () => {
    socket?.close();
    await sink?.stop();
    await processor?.stop();
    await api?.close();
    await setup?.close();
  });

  it('serves what the posted events aggregate to', async () => {
    const dir = tempDir('serving-pipeline');
    api = await startTestApi({ pipelinePath: setup.pipelinePath, env: { DATA_DIR: join(dir, 'api'), SERVING_STORE: 'memory' } });
    // Aligned to 5 minutes, so all 30 events (5 minutes of them) fall in one 5-minute window.
    const T0 = Math.floor((Date.now() - 3600_000) / (5 * MIN)) * 5 * MIN;
    const device = `dev-${Date.now().toString(36)}`;

    // Live subscription first, so every version arrives on it.
    const live: AggregatedRecord[] = [];
    socket = new WebSocket(
      `${api.url.replace('http', 'ws')}/api/v1/stream/aggregates?${new URLSearchParams({ access_token: token(['aggregates:read:iot.sensor']), event_type: 'iot.sensor', group_key: device, window: 'tumbling_1m' })}`,
    );
    await new Promise<void>((resolve, reject) => {
      socket!.on('message', (data) => {
        const message = JSON.parse(data.toString());
        if (message.type === 'subscribed') resolve();
        else live.push(message.event);
      });
      socket!.on('error', reject);
    });

    const events = Array.from({ length: 30 }, (_, i) =>
      iotEvent({ device_id: device, timestamp: T0 + i * 10_000, payload: { temperature: 20 + (i % 7), humidity: 40 } }),
    );
    const answer = await post(api.url, `/api/v1/events/iot.sensor/batch`, { events }, authHeaders(['events:write:iot.sensor']));
    expect(answer.status).toBe(201);
    const want = new Map<number, { count: number; sum: number }>();
    for (const e of events) {
      const start = Math.floor(Number(e.timestamp) / MIN) * MIN;
      const w = want.get(start) ?? { count: 0, sum: 0 };
      w.count++;
      w.sum += (e.payload as { temperature: number }).temperature;
      want.set(start, w);
    }
    const expected = [...want].sort(([a], [b]) => b - a).map(([start, w]) => ({ window_start: start, count: w.count, sum_value: w.sum }));
    const beforeEmission = Date.now();

    processor = await startProcessor({ config: setup.config, pipeline: setup.pipeline });
    sink = await startSink({
      config: loadSinkConfig({
        PIPELINE_CONFIG: setup.pipelinePath,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
        ...registryClientEnv(setup.env.SCHEMA_REGISTRY_URL),
        DATA_DIR: join(dir, 'sink'),
        SINK_WAREHOUSE_GROUP: `${setup.name}.warehouse`,
        SINK_LAKE_GROUP: `${setup.name}.lake`,
        SINK_FLUSH_INTERVAL: '250ms',
        LOG_LEVEL: 'warn',
      }),
    });
    // Every source partition moves past the windows and their allowed lateness, so all of them close.
    await produce(setup, flushItems(setup, T0 + 30 * MIN));

    // Online: the recent windows equal the computation, newest first.
    const online = await eventually(
      async () => {
        const r = await fetch(`${api!.url}/api/v1/aggregates/iot.sensor/${device}/windows/tumbling_1m?limit=50`, {
          headers: { authorization: `Bearer ${token(['aggregates:read:iot.sensor'])}` },
        });
        const body = (await r.json()) as { windows: AggregatedRecord[] };
        const got = body.windows?.map((w) => ({ window_start: w.window_start, count: w.count, sum_value: w.sum_value })) ?? [];
        return JSON.stringify(got) === JSON.stringify(expected) ? body.windows : undefined;
      },
      'the online windows equal to the posted events',
      90_000,
    );
    const vector = await fetch(`${api.url}/api/v1/aggregates/iot.sensor/${device}`, {
      headers: { authorization: `Bearer ${token(['aggregates:read:iot.sensor'])}` },
    }).then((r) => r.json() as Promise<{ windows: Record<string, AggregatedRecord | null> }>);
    expect(vector.windows.tumbling_1m).toMatchObject({ window_start: expected[0].window_start, count: expected[0].count });
    expect(vector.windows.tumbling_5m?.count).toBe(30);

    // Live: every window arrived, versions per window in increasing order, the last one as served.
    await eventually(
      async () => new Set(live.map((r) => r.window_start)).size === expected.length,
      'every window on the live stream',
      30_000,
    );
    for (const w of online) {
      const seen = live.filter((r) => r.window_start === w.window_start).map((r) => r.version);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(seen[seen.length - 1]).toBeGreaterThanOrEqual(w.version);
    }

    // Point-in-time from the warehouse: at a time after the emissions, the latest window; before any, nothing.
    const db = join(dir, 'sink', 'warehouse.duckdb');
    const entities = (asOf: number) => `(VALUES ('iot.sensor', '${device}', epoch_ms(${asOf}))) AS ents(event_type, group_key, as_of)`;
    const pit = await eventually(
      async () => {
        const rows = await queryDuckDbFile<{ window_name: string; window_start: unknown; count: bigint }>(
          db,
          pointInTimeSql('duckdb', entities(Date.now() + 60_000)),
        );
        // The sink loads the two windows' rows in whichever flushes their records fall in: wait for both.
        const count = (name: string) => Number(rows.find((r) => r.window_name === name)?.count);
        return count('tumbling_1m') === expected[0].count && count('tumbling_5m') === 30 ? rows : undefined;
      },
      'point-in-time rows in the warehouse',
      60_000,
    );
    expect(pit.map((r) => r.window_name)).toEqual(expect.arrayContaining(['tumbling_1m', 'tumbling_5m']));
    expect(await queryDuckDbFile(db, pointInTimeSql('duckdb', entities(beforeEmission - 1)))).toEqual([]);
  });
});
