/**
 * The one Kafka client wrapper (kafkajs). Producers are idempotent with acks=all and compress with the
 * configured codec; consumers read committed only and every codec; TLS and SASL come from the
 * KAFKA_SECURITY_* settings; kafkajs logs go through the platform logger. A failure no retry can fix
 * (wrong credentials, a missing ACL, a batch that cannot be decompressed) is reported as a
 * KafkaAccessError / UndecodableBatchError naming the cause, and consumers stop instead of looping.
 */
import { ConnectionOptions } from 'tls';
import {
  Admin,
  CompressionTypes,
  Consumer,
  ConsumerConfig,
  Kafka,
  KafkaConfig,
  logLevel,
  Partitioners,
  Producer,
  ProducerConfig,
  SASLOptions,
} from 'kafkajs';
import { commonEnv, CompressionCodec, KafkaSecurity, loadEnv, logger } from '@platform/runtime';
import { compressionType, registerCodecs, UndecodableBatchError } from './codecs';
import { explainKafkaError, translateKafkaError } from './errors';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Connection and request timeouts; short so an outage surfaces quickly instead of hanging. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** TLS and SASL (KAFKA_SECURITY_PROTOCOL and friends); plaintext when absent. */
  security?: KafkaSecurity;
  /** The codec every producer of this client compresses with (KAFKA_COMPRESSION); none when absent. */
  compression?: CompressionCodec;
}

/** The settings of a config loaded with `commonEnv`, as createKafka takes them. */
export function kafkaSettings(
  config: { kafkaBrokers: string[]; kafkaClientId: string; kafkaSecurity?: KafkaSecurity; kafkaCompression?: CompressionCodec },
  overrides: Partial<KafkaSettings> = {},
): KafkaSettings {
  return {
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    security: config.kafkaSecurity,
    compression: config.kafkaCompression,
    ...overrides,
  };
}

/**
 * The connection settings from the environment (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*,
 * KAFKA_SSL_*, KAFKA_COMPRESSION) for scripts, benchmarks and tools; throws a ConfigError naming
 * every variable to fix.
 */
export function kafkaSettingsFromEnv(
  clientId: string,
  source: Record<string, string | undefined> = process.env,
  overrides: Partial<KafkaSettings> = {},
): KafkaSettings {
  const { kafkaBrokers, kafkaSecurity, kafkaCompression } = loadEnv(
    { kafkaBrokers: commonEnv.kafkaBrokers, kafkaSecurity: commonEnv.kafkaSecurity, kafkaCompression: commonEnv.kafkaCompression },
    source,
  );
  return { brokers: kafkaBrokers, clientId, security: kafkaSecurity, compression: kafkaCompression, ...overrides };
}

function tlsOptions(security: KafkaSecurity | undefined): ConnectionOptions | undefined {
  const tls = security?.tls;
  if (!tls) return undefined;
  return {
    rejectUnauthorized: true,
    ...(tls.ca ? { ca: [tls.ca] } : {}),
    ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
    ...(tls.keyPassword !== undefined ? { passphrase: tls.keyPassword } : {}),
    // ssl.endpoint.identification.algorithm=none: the chain is still verified, the name is not.
    ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

function saslOptions(security: KafkaSecurity | undefined): SASLOptions | undefined {
  const sasl = security?.sasl;
  if (!sasl) return undefined;
  const mechanism = sasl.mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
  return { mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}

const COMPRESSION = new WeakMap<Kafka, CompressionTypes>();

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
  [logLevel.NOTHING]: 'debug',
};

const ROUTINE_RETRIES =
  /The group is rebalancing|not the correct coordinator|There is no leader for this topic-partition|another concurrent operation on the same transaction/;

export function createKafka(settings: KafkaSettings, overrides: Partial<KafkaConfig> = {}): Kafka {
  registerCodecs();
  const ssl = tlsOptions(settings.security);
  const sasl = saslOptions(settings.security);
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: settings.connectionTimeoutMs ?? 3000,
    requestTimeout: settings.requestTimeoutMs ?? 30000,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }) => {
        const { message, ...extra } = log;
        // kafkajs reports routine group rebalances, and a transaction started while the previous one's
        // markers are still being written, at ERROR; they are expected and retried.
        const quiet = ROUTINE_RETRIES.test(String(message)) || ROUTINE_RETRIES.test(String((extra as { error?: unknown }).error ?? ''));
        logger()[quiet ? 'debug' : (LEVELS[level] ?? 'info')]({ kafka: namespace, ...extra }, String(message));
      },
    ...overrides,
  });
  COMPRESSION.set(kafka, compressionType(settings.compression ?? 'none'));
  return kafka;
}

type Method = (...args: unknown[]) => unknown;

/**
 * Every promise a client returns rejects with a translated error: kafkajs's SASL and authorization
 * failures become a KafkaAccessError that names the cause and what to fix.
 */
function translated<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as Method).apply(target, args);
        return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(translateKafkaError(error))) : result;
      };
    },
  });
}

/** Sends compress with the client's codec unless the call names one. */
function compressing(producer: Producer, kafka: Kafka): Producer {
  const compression = COMPRESSION.get(kafka) ?? CompressionTypes.None;
  if (compression === CompressionTypes.None) return producer;
  const withCodec = <A extends { compression?: CompressionTypes }>(record: A): A => ({
    ...record,
    compression: record.compression ?? compression,
  });
  const send = producer.send.bind(producer);
  const sendBatch = producer.sendBatch.bind(producer);
  const transaction = producer.transaction.bind(producer);
  producer.send = (record) => send(withCodec(record));
  producer.sendBatch = (batch) => sendBatch(withCodec(batch));
  producer.transaction = async () => {
    const tx = await transaction();
    const txSend = tx.send.bind(tx);
    const txSendBatch = tx.sendBatch.bind(tx);
    tx.send = (record) => txSend(withCodec(record));
    tx.sendBatch = (batch) => txSendBatch(withCodec(batch));
    return tx;
  };
  return producer;
}

export function createAdmin(kafka: Kafka): Admin {
  return translated(kafka.admin());
}

/**
 * Idempotent producers retry without limit (a finite limit could re-send a batch under a new sequence
 * and break idempotence); callers bound their own wait with a timeout instead.
 */
const PRODUCER_RETRY = { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2000 };

/** An idempotent producer: acks=all is enforced per send, one request in flight keeps per-partition order under retries. */
export function createIdempotentProducer(kafka: Kafka, config: Partial<ProducerConfig> = {}): Producer {
  return producerOf(kafka, {
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
  return producerOf(kafka, {
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

function producerOf(kafka: Kafka, config: ProducerConfig): Producer {
  return translated(compressing(kafka.producer(config), kafka));
}

/**
 * A consumer that reads committed records only. When it stops for good (kafkajs does not restart it
 * after a non-retriable error such as a missing ACL or an undecodable batch), the cause is logged at
 * fatal level with the group; the owner's CRASH listener decides what the process does.
 */
export function createConsumer(kafka: Kafka, groupId: string, config: Partial<ConsumerConfig> = {}): Consumer {
  // kafkajs restarts a crashed consumer on a timer it sets after its own disconnect: a disconnect of
  // ours that lands while a crash is handled (a broker going down during a stop) would leave a consumer
  // rejoining the group on its own. Once disconnected, a consumer is never restarted.
  let disconnected = false;
  const restartOnFailure = config.retry?.restartOnFailure;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
    maxBytesPerPartition: 4 * 1024 * 1024,
    ...config,
    retry: { ...config.retry, restartOnFailure: async (error) => !disconnected && (restartOnFailure ? restartOnFailure(error) : true) },
  });
  const disconnect = consumer.disconnect.bind(consumer);
  consumer.disconnect = () => {
    disconnected = true;
    return disconnect();
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    const explained = explainKafkaError(payload.error);
    const where =
      explained instanceof UndecodableBatchError
        ? { topic: explained.topic, partition: explained.partition, offset: explained.offset }
        : {};
    const message = explained instanceof UndecodableBatchError ? explained.located : (explained ?? payload.error).message;
    logger().fatal({ group: groupId, ...where, err: explained ?? payload.error }, `consumer of group ${groupId} stopped: ${message}`);
  });
  return translated(consumer);
}

export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createAdmin(kafka);
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
