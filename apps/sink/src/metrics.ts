/** The sink's instruments, all labelled by destination (warehouse | lake). */
import { counter, gauge, histogram } from '@platform/runtime';

const SIZE_BUCKETS = [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000];
const BYTE_BUCKETS = [1024, 16384, 131072, 1048576, 4194304, 16777216, 67108864];
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const sinkMetrics = {
  consumed: counter('sink_records_consumed_total', 'Kafka records taken into a destination buffer', ['destination', 'topic']),
  rowsWritten: counter('sink_rows_written_total', 'Rows written per table (warehouse: upserted; lake: rows in Parquet objects)', [
    'destination',
    'table',
  ]),
  flushes: counter(
    'sink_flushes_total',
    'Flushes by trigger (records, bytes, time, cut, requested: a manual flush, a stop or a rebalance)',
    ['destination', 'reason'],
  ),
  flushRecords: histogram('sink_flush_records', 'Records per flush', ['destination'], SIZE_BUCKETS),
  flushBytes: histogram('sink_flush_bytes', 'Bytes (Kafka record values) per flush', ['destination'], BYTE_BUCKETS),
  flushDuration: histogram('sink_flush_duration_seconds', 'Time to write and commit one flush', ['destination'], DURATION_BUCKETS),
  retries: counter('sink_write_retries_total', 'Write retries (transient: destination unavailable; data: the batch failed)', [
    'destination',
    'kind',
  ]),
  dlq: counter('sink_dlq_records_total', 'Records sent to the dead-letter queue', ['destination', 'error_type']),
  lag: gauge('sink_consumer_lag', "Records in Kafka after the destination's committed position", ['destination', 'topic', 'partition']),
  oldestUnflushed: gauge('sink_oldest_unflushed_age_seconds', 'Age of the oldest record waiting in the buffer (0 when empty)', [
    'destination',
  ]),
  buffered: gauge('sink_buffered_records', 'Records waiting in the buffer', ['destination']),
  lakeObjects: counter('sink_lake_objects_written_total', 'Parquet objects written to the lake', ['destination']),
  lakeBytes: counter('sink_lake_bytes_written_total', 'Parquet bytes written to the lake', ['destination']),
  commitFailures: counter('sink_offset_commit_failures_total', 'Kafka offset commits that failed', ['destination']),
  columnsAdded: counter('sink_schema_columns_added_total', 'Columns added for new optional schema fields', ['table']),
};
