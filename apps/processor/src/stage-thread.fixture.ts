/** Fake processors for stage-thread.spec.ts, each run on a stage thread instead of the real stages. */
import { counter } from '@platform/runtime';
import { serveStageThread } from './stage-thread';

/** Starts, counts three records in, stops when told. */
export function startsAndCounts(): void {
  serveStageThread(async () => {
    counter('processor_records_in_total', 'Records consumed', ['topic']).inc({ topic: 'events.fake' }, 3);
    return { stop: async () => undefined };
  });
}

/** Cannot reach Kafka. */
export function failsToStart(): void {
  serveStageThread(async () => {
    throw Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), {
      name: 'KafkaJSConnectionError',
      retriable: true,
      code: 'ECONNREFUSED',
    });
  });
}

/** Starts, then its consumer stops for good. */
export function failsLater(): void {
  serveStageThread(async ({ onFatal }) => {
    setTimeout(() => onFatal(new Error('the consumer stopped: TOPIC_AUTHORIZATION_FAILED')), 20);
    return { stop: async () => undefined };
  });
}

/** Starts, then throws where nothing catches it. */
export function crashesLater(): void {
  serveStageThread(async () => {
    setTimeout(() => {
      throw new Error('unexpected');
    }, 20);
    return { stop: async () => undefined };
  });
}

/** Starts only when the SASL password its config hides arrived on the thread. */
export function needsItsPassword(): void {
  serveStageThread(async ({ config }) => {
    if (config.kafkaSecurity.sasl?.password !== 'thread-secret') throw new Error('the SASL password did not reach the stage thread');
    return { stop: async () => undefined };
  });
}
