/** The ingest API's instruments, on the process's one Prometheus registry. */
import { Histogram, Counter } from 'prom-client';
import { counter, gauge, histogram } from '@platform/observability';

const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

export const ingestMetrics = {
  httpRequests: counter('http_requests_total', 'HTTP requests by method, route and status', ['method', 'route', 'status']),
  httpDuration: histogram('http_request_duration_seconds', 'HTTP request latency by method, route and status', ['method', 'route', 'status']),
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

/** Label children cached per label tuple: the hot path does a Map lookup instead of label hashing. */
export class LabelCache<T> {
  private readonly children = new Map<string, T>();
  constructor(private readonly make: (...labels: string[]) => T) {}
  get(...labels: string[]): T {
    const key = labels.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      child = this.make(...labels);
      this.children.set(key, child);
    }
    return child;
  }
}

export const httpMetricChildren = {
  requests: new LabelCache((method, route, status) => (ingestMetrics.httpRequests as Counter<string>).labels(method, route, status)),
  duration: new LabelCache((method, route, status) => (ingestMetrics.httpDuration as Histogram<string>).labels(method, route, status)),
};
