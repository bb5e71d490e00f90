/**
 * The warehouse destination over Snowflake with a fake connection that records statements: no
 * offsets in the warehouse, the Kafka commit (done by the committer once `write` resolves) is required,
 * and a MERGE that fails while Snowflake is unreachable is retried until it commits.
 */
import { SnowflakeAdapter, SqlSession, WarehouseLoader } from '@platform/warehouse';
import { BufferedChunk, DeliverySettings, SinkRecord } from './destination';
import { WarehouseDestination } from './warehouse-destination';

class RecordingSession implements SqlSession {
  readonly statements: string[] = [];
  failures = 0;

  async execute(sql: string): Promise<Array<Record<string, unknown>>> {
    this.statements.push(sql);
    if (sql.startsWith('MERGE') && this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error('Network error. Could not reach Snowflake.'), { code: 401001 });
    }
    return [];
  }

  async close(): Promise<void> {}
}

function chunkOf(records: SinkRecord[]): BufferedChunk<SinkRecord> {
  return { topic: records[0].topic, partition: records[0].partition, firstOffset: records[0].offset, lastOffset: records[records.length - 1].offset, bytes: 0, oldestAt: 0, items: records };
}

function rawRecord(offset: number): SinkRecord {
  const value = { event_id: `e-${offset}`, timestamp: 1_767_261_601_000, event_type: 'clickstream', user_id: 'u-1', payload: { page: '/' }, metadata: null };
  return { topic: 'events.clickstream', partition: 1, offset, timestamp: 1_767_261_601_500, key: null, value: null, headers: {}, bytes: 10, decoded: { kind: 'raw', schemaId: 2, value, extras: [] } };
}

const delivery: DeliverySettings = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 };

describe('warehouse destination on Snowflake (fake connection)', () => {
  it('requires the Kafka commit after the MERGE and stores no offsets in Snowflake (fake connection)', async () => {
    const session = new RecordingSession();
    const destination = new WarehouseDestination(new WarehouseLoader(new SnowflakeAdapter(session)), 'sink-warehouse');
    await destination.start();
    expect(destination.commitRequired).toBe(true);
    expect(await destination.storedOffsets()).toEqual(new Map());
    expect(await destination.position('events.clickstream', 1)).toEqual({});
  });

  it('retries a MERGE that failed while Snowflake was unreachable and resolves only after COMMIT (fake connection)', async () => {
    const session = new RecordingSession();
    const destination = new WarehouseDestination(new WarehouseLoader(new SnowflakeAdapter(session)), 'sink-warehouse');
    await destination.start();
    session.statements.length = 0;
    session.failures = 2;
    const outcome = await destination.write([chunkOf([rawRecord(4), rawRecord(5)])], delivery);
    expect(outcome.failed).toEqual([]);
    expect(outcome.rows).toEqual({ 'raw.events': 2, 'analytics.aggregated_events': 0, 'analytics.aggregated_event_versions': 0 });
    const tail = session.statements.map((s) => s.split(' ')[0]);
    expect(tail.filter((k) => k === 'ROLLBACK')).toHaveLength(2);
    expect(tail[tail.length - 1]).toBe('COMMIT');
    expect(tail.filter((k) => k === 'COMMIT')).toHaveLength(1);
  });
});
