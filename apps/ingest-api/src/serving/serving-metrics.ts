/** Instruments of the aggregate serving layer, on the process's one Prometheus registry. */
import { counter, histogram } from '@platform/runtime';

const FRESHNESS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const servingMetrics = {
  applied: counter('serving_aggregates_applied_total', 'Aggregate records read from the aggregated topic and applied to the serving store'),
  undecodable: counter('serving_aggregates_undecodable_total', 'Aggregate records skipped because they could not be decoded'),
  freshness: histogram(
    'serving_freshness_seconds',
    'From an aggregate record written to Kafka to it being servable',
    [],
    FRESHNESS_BUCKETS,
  ),
  lookups: counter('serving_lookups_total', 'Online aggregate lookups by kind', ['kind']),
};
