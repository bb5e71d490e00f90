/** The processor's instruments (names are the contract shared with dashboards and alert rules). */
import { counter, gauge, histogram } from '@platform/runtime';

export const processorMetrics = {
  recordsIn: counter('processor_records_in_total', 'Records consumed', ['topic']),
  recordsOut: counter('processor_records_out_total', 'Records produced (committed or not)', ['topic']),
  dlq: counter('processor_dlq_records_total', 'Records sent to the DLQ', ['reason']),
  late: counter('processor_late_events_total', 'Events later than the allowed lateness for at least one window'),
  duplicates: counter('processor_duplicates_total', 'Events dropped because their event_id was already counted'),
  watermarkLag: gauge('processor_watermark_lag_seconds', 'Wall clock minus the task watermark', ['task']),
  openWindows: gauge('processor_open_windows', 'Windows held in state', ['task']),
  stateEntries: gauge('processor_state_entries', 'Dedupe ids plus open windows held in state', ['task']),
  transactionDuration: histogram('processor_transaction_duration_seconds', 'Time from beginning to committing one transaction', ['stage']),
  transactions: counter('processor_transactions_total', 'Transactions by outcome', ['stage', 'outcome']),
  consumerLag: gauge('processor_consumer_lag', 'Records after the last consumed offset', ['topic', 'partition']),
  restored: counter('processor_restored_state_entries_total', 'Changelog records read to restore state'),
};
