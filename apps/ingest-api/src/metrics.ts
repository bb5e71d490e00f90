/** The ingest API's instruments, on the process's one Prometheus registry. */
import { CounterSeries, HistogramSeries, counter, counterSeries, gauge, histogram, histogramSeries } from '@platform/runtime';

const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

export const ingestMetrics = {
  httpRequests: counter('http_requests_total', 'HTTP requests by method, route and status', ['method', 'route', 'status']),
  httpDuration: histogram('http_request_duration_seconds', 'HTTP request latency by method, route and status', [
    'method',
    'route',
    'status',
  ]),
  produceDuration: histogram('ingest_produce_duration_seconds', 'Time from sending a Kafka batch to its acks=all acknowledgement'),
  kafkaBatchRecords: histogram('ingest_kafka_batch_records', 'Records per Kafka produce request', [], SIZE_BUCKETS),
  requestBatchEvents: histogram('ingest_request_batch_events', 'Events per batch request', [], SIZE_BUCKETS),
  published: counter('ingest_events_published_total', 'Events written to Kafka', ['topic']),
  duplicates: counter('ingest_events_duplicate_total', 'Requests answered from the idempotency store (nothing written)', ['topic']),
  rejected: counter('ingest_events_rejected_total', 'Events refused, by reason', ['reason']),
  openSockets: gauge('ingest_ws_open_sockets', 'Open WebSocket stream connections'),
  droppedSlowClients: counter('ingest_ws_slow_clients_dropped_total', 'WebSocket clients closed for not keeping up'),
  wsMessages: counter('ingest_ws_messages_sent_total', 'Event messages sent to WebSocket clients'),
};

export interface HttpMetricChildren {
  requests: CounterSeries;
  duration: HistogramSeries;
}

const httpChildren = new Map<string, Map<string, Map<number, HttpMetricChildren>>>();

/**
 * The request counter and latency histogram series of one (method, route, status), cached in
 * nested maps: a request costs three lookups, with no label key or status string built for it,
 * and its count and latency are added to the series directly (`counterSeries`, `histogramSeries`).
 */
export function httpMetricsFor(method: string, route: string, status: number): HttpMetricChildren {
  let byRoute = httpChildren.get(method);
  if (!byRoute) httpChildren.set(method, (byRoute = new Map()));
  let byStatus = byRoute.get(route);
  if (!byStatus) byRoute.set(route, (byStatus = new Map()));
  let children = byStatus.get(status);
  if (!children) {
    const labels = [method, route, String(status)];
    children = {
      requests: counterSeries(ingestMetrics.httpRequests, labels),
      duration: histogramSeries(ingestMetrics.httpDuration, labels),
    };
    byStatus.set(status, children);
  }
  return children;
}

export interface TopicMetricChildren {
  published: CounterSeries;
  duplicates: CounterSeries;
}

const topicChildren = new Map<string, TopicMetricChildren>();

/** The published and duplicate counters of one topic, looked up once rather than hashing labels per event. */
export function topicMetricsFor(topic: string): TopicMetricChildren {
  let children = topicChildren.get(topic);
  if (!children) {
    children = {
      published: counterSeries(ingestMetrics.published, [topic]),
      duplicates: counterSeries(ingestMetrics.duplicates, [topic]),
    };
    topicChildren.set(topic, children);
  }
  return children;
}
