/**
 * The one Kafka client wrapper (kafkajs). Producers are idempotent with acks=all; consumers read
 * committed only; kafkajs logs go through the platform logger.
 */
import { Admin, Consumer, ConsumerConfig, Kafka, KafkaConfig, logLevel, Partitioners, Producer, ProducerConfig } from 'kafkajs';
import { logger } from '@platform/observability';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Connection and request timeouts; short so an outage surfaces quickly instead of hanging. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
  [logLevel.NOTHING]: 'debug',
};

const ROUTINE_RETRIES = /The group is rebalancing|not the correct coordinator|There is no leader for this topic-partition|another concurrent operation on the same transaction/;

export function createKafka(settings: KafkaSettings, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: settings.connectionTimeoutMs ?? 3000,
    requestTimeout: settings.requestTimeoutMs ?? 30000,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      // kafkajs reports routine group rebalances, and a transaction started while the previous one's
      // markers are still being written, at ERROR; they are expected and retried.
      const quiet = ROUTINE_RETRIES.test(String(message)) || ROUTINE_RETRIES.test(String((extra as { error?: unknown }).error ?? ''));
      logger()[quiet ? 'debug' : LEVELS[level] ?? 'info']({ kafka: namespace, ...extra }, String(message));
    },
    ...overrides,
  });
}

/**
 * Idempotent producers retry without limit (a finite limit could re-send a batch under a new sequence
 * and break idempotence); callers bound their own wait with a timeout instead.
 */
const PRODUCER_RETRY = { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2000 };

/** An idempotent producer: acks=all is enforced per send, one request in flight keeps per-partition order under retries. */
export function createIdempotentProducer(kafka: Kafka, config: Partial<ProducerConfig> = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: PRODUCER_RETRY,
    ...config,
  });
}

/** A transactional producer for consume-transform-produce; the id fences zombies of the same task. */
export function createTransactionalProducer(kafka: Kafka, transactionalId: string, config: Partial<ProducerConfig> = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    transactionalId,
    transactionTimeout: 60000,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: PRODUCER_RETRY,
    ...config,
  });
}

export function createConsumer(kafka: Kafka, groupId: string, config: Partial<ConsumerConfig> = {}): Consumer {
  return kafka.consumer({
    groupId,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
    maxBytesPerPartition: 4 * 1024 * 1024,
    ...config,
  });
}

export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Headers arrive as Buffer | string | arrays; flatten to strings. */
export function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined || value === null) continue;
    const first = Array.isArray(value) ? value[0] : value;
    out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}
