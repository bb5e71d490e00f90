/**
 * Failures of access to Kafka that no retry fixes, named in words an operator acts on. kafkajs reports
 * a wrong password as a SASL error and a missing ACL as a protocol error code; both are turned into a
 * KafkaAccessError (non-retriable) that says which setting or ACL to look at. Messages never contain a
 * password.
 */
import { UndecodableBatchError } from './codecs';

export type KafkaAccessCause = 'authentication' | 'topic-authorization' | 'group-authorization' | 'transactional-id-authorization' | 'cluster-authorization' | 'tls';

export class KafkaAccessError extends Error {
  readonly retriable = false;
  constructor(
    readonly reason: KafkaAccessCause,
    message: string,
    readonly original: unknown,
  ) {
    super(message);
    this.name = 'KafkaAccessError';
  }
}

const AUTHORIZATION: Record<string, { cause: KafkaAccessCause; text: string }> = {
  TOPIC_AUTHORIZATION_FAILED: { cause: 'topic-authorization', text: 'the principal has no ACL for a topic it uses (READ/WRITE/DESCRIBE/CREATE on the topic)' },
  GROUP_AUTHORIZATION_FAILED: { cause: 'group-authorization', text: 'the principal has no ACL for its consumer group (READ on the group)' },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: { cause: 'transactional-id-authorization', text: 'the principal has no ACL for its transactional id (WRITE/DESCRIBE on the transactional-id prefix)' },
  CLUSTER_AUTHORIZATION_FAILED: { cause: 'cluster-authorization', text: 'the principal has no ACL on the cluster (IDEMPOTENT_WRITE for an idempotent producer, CREATE to create topics)' },
};

interface KafkaJsLike {
  name?: string;
  type?: string;
  message?: string;
  code?: string;
  cause?: unknown;
  originalError?: unknown;
  /** KafkaJSAggregateError (e.g. createTopics): one error per topic. */
  errors?: unknown[];
  /** withRetry's RetriesExhaustedError: the failure of the last attempt. */
  lastError?: unknown;
  retriable?: boolean;
}

/** The error, its causes (retries, wrapping) and the parts of aggregate errors, breadth first. */
function chain(error: unknown): KafkaJsLike[] {
  const out: KafkaJsLike[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 32) {
    const current = queue.shift();
    if (!current || typeof current !== 'object') continue;
    const e = current as KafkaJsLike;
    out.push(e);
    queue.push(e.originalError ?? e.cause, e.lastError);
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  return out;
}

/**
 * True when the error, or any error in its cause chain (kafkajs's retries and wrapping, aggregate
 * parts), carries one of these protocol error types (`NOT_COORDINATOR_FOR_GROUP`, `UNKNOWN_MEMBER_ID`...).
 */
export function hasKafkaErrorType(error: unknown, types: ReadonlySet<string> | readonly string[]): boolean {
  const wanted: ReadonlySet<string> = types instanceof Set ? types : new Set(types);
  return chain(error).some((e) => e.type !== undefined && wanted.has(e.type));
}

/** kafkajs reports a connection lost during the SASL exchange as a SASL error too: that one is transient. */
const SASL_TRANSIENT = /Closed connection|Connection error|timed out|ECONN|EPIPE|socket hang up|Not connected/i;

const TLS_CODES = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_.*)$/;

/** The access error behind `error` (walking kafkajs's retry and cause chain), or undefined for anything else. */
export function explainKafkaError(error: unknown): KafkaAccessError | UndecodableBatchError | undefined {
  for (const e of chain(error)) {
    if (e instanceof KafkaAccessError || e instanceof UndecodableBatchError) return e;
    if ((e.name === 'KafkaJSSASLAuthenticationError' && !SASL_TRANSIENT.test(e.message ?? '')) || e.type === 'SASL_AUTHENTICATION_FAILED') {
      return new KafkaAccessError(
        'authentication',
        `Kafka authentication failed: the broker rejected the SASL credentials (check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD / KAFKA_SASL_PASSWORD_FILE and KAFKA_SASL_MECHANISM): ${e.message ?? ''}`.trim(),
        error,
      );
    }
    const authz = e.type ? AUTHORIZATION[e.type] : undefined;
    if (authz) return new KafkaAccessError(authz.cause, `Kafka authorization failed (${e.type}): ${authz.text}`, error);
    if (e.code && TLS_CODES.test(e.code)) {
      return new KafkaAccessError('tls', `Kafka TLS handshake failed (${e.code}): check KAFKA_SSL_CA_LOCATION and KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: ${e.message ?? ''}`.trim(), error);
    }
  }
  return undefined;
}

/** The explained error when there is one, else the error as it was. */
export function translateKafkaError(error: unknown): unknown {
  return explainKafkaError(error) ?? error;
}

/** True for failures that retrying cannot fix: the process should stop and say why. */
export function isFatalKafkaError(error: unknown): boolean {
  return explainKafkaError(error) !== undefined;
}

/** Socket failures of a broker that is down, restarting or not resolvable yet. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** kafkajs marks BROKER_NOT_AVAILABLE final, but a broker still starting answers with it. */
const TRANSIENT_TYPES = new Set(['BROKER_NOT_AVAILABLE']);

/**
 * True for failures that pass once the cluster is reachable (connection refused, broker or leader not
 * available, request timed out): kafkajs marks them retriable (as do the errors of this library that
 * may pass, such as TopicsWithoutLeaderError), though it wraps the last one in a non-retriable
 * "retries exceeded" error when its own retries run out. Access and TLS failures (explainKafkaError)
 * never are.
 */
export function isRetriableKafkaError(error: unknown): boolean {
  if (explainKafkaError(error)) return false;
  return chain(error).some((e) => e.retriable === true || (e.type !== undefined && TRANSIENT_TYPES.has(e.type)) || (typeof e.code === 'string' && NETWORK_CODES.has(e.code)));
}
