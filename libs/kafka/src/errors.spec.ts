import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { RetriesExhaustedError } from '@platform/runtime';
import { UndecodableBatchError } from './codecs';
import { explainKafkaError, hasKafkaErrorType, isFatalKafkaError, isRetriableKafkaError, KafkaAccessError, translateKafkaError } from './errors';

describe('Kafka access errors', () => {
  it('turns a SASL failure wrapped in kafkajs retries into an authentication error that names the settings', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const retried = Object.assign(new Error('retries exhausted'), { name: 'KafkaJSNumberOfRetriesExceeded', originalError: sasl });
    const explained = explainKafkaError(retried);
    expect(explained).toBeInstanceOf(KafkaAccessError);
    expect((explained as KafkaAccessError).reason).toBe('authentication');
    expect(explained?.message).toMatch(/KAFKA_SASL_USERNAME/);
  });

  it.each([
    ['TOPIC_AUTHORIZATION_FAILED', 'topic-authorization'],
    ['GROUP_AUTHORIZATION_FAILED', 'group-authorization'],
    ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'transactional-id-authorization'],
    ['CLUSTER_AUTHORIZATION_FAILED', 'cluster-authorization'],
  ])('%s is a fatal authorization error', (type, reason) => {
    const error = Object.assign(new Error('Not authorized'), { name: 'KafkaJSProtocolError', type });
    expect(isFatalKafkaError(error)).toBe(true);
    expect((explainKafkaError(error) as KafkaAccessError).reason).toBe(reason);
    expect(explainKafkaError(error)?.message).toContain(type);
  });

  it('finds an authorization failure inside an aggregate error (createTopics)', () => {
    const aggregate = Object.assign(new Error('topic creation errors'), {
      name: 'KafkaJSAggregateError',
      errors: [Object.assign(new Error('Not authorized'), { type: 'TOPIC_AUTHORIZATION_FAILED' })],
    });
    expect((explainKafkaError(aggregate) as KafkaAccessError).reason).toBe('topic-authorization');
  });

  it('a connection lost during the SASL exchange is not an authentication failure', () => {
    const closed = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: Closed connection'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    expect(explainKafkaError(closed)).toBeUndefined();
  });

  it('leaves transient errors alone', () => {
    expect(explainKafkaError(Object.assign(new Error('no leader'), { type: 'LEADER_NOT_AVAILABLE' }))).toBeUndefined();
    expect(isFatalKafkaError(new Error('ECONNREFUSED'))).toBe(false);
  });
});

describe('isRetriableKafkaError (kafkajs error objects, no broker)', () => {
  const protocol = (type: string, retriable: boolean) =>
    new KafkaJSProtocolError(Object.assign(new Error(type), { type, retriable, code: 0 }));
  const refused = () =>
    new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { code: 'ECONNREFUSED' } as never);

  it.each([
    [
      'connection refused, after kafkajs gave up retrying',
      () => new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 5, retryTime: 100 } as never),
    ],
    ['leader not available', () => protocol('LEADER_NOT_AVAILABLE', true)],
    ['broker not available (kafkajs calls it final)', () => protocol('BROKER_NOT_AVAILABLE', false)],
    ['request timed out', () => new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out')],
    ['a socket error of a name not resolvable yet', () => Object.assign(new Error('getaddrinfo ENOTFOUND kafka'), { code: 'ENOTFOUND' })],
    ['connection refused behind withRetry', () => new RetriesExhaustedError(3, refused())],
  ])('%s: retriable', (_name, make) => {
    expect(isRetriableKafkaError(make())).toBe(true);
  });

  it.each([
    [
      'a SASL rejection',
      () =>
        new KafkaJSNumberOfRetriesExceeded(
          Object.assign(new Error('SASL PLAIN authentication failed: invalid credentials'), { name: 'KafkaJSSASLAuthenticationError' }),
          { retryCount: 1, retryTime: 1 } as never,
        ),
    ],
    ['a missing topic ACL', () => protocol('TOPIC_AUTHORIZATION_FAILED', false)],
    ['a TLS certificate error', () => Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })],
    ['a final kafkajs error', () => new KafkaJSNonRetriableError('Invalid replication factor')],
    ['a plain error', () => new Error('topic events has 3 partitions, the pipeline says 6')],
  ])('%s: not retriable', (_name, make) => {
    expect(isRetriableKafkaError(make())).toBe(false);
  });
});

describe('hasKafkaErrorType (kafkajs error objects, no broker)', () => {
  const protocol = (type: string) => new KafkaJSProtocolError(Object.assign(new Error(type), { type, retriable: false, code: 0 }));

  it('finds the type on the error itself', () => {
    expect(hasKafkaErrorType(protocol('NOT_COORDINATOR_FOR_GROUP'), ['NOT_COORDINATOR_FOR_GROUP'])).toBe(true);
  });

  it('finds the type behind kafkajs retries and withRetry, deeper than one cause', () => {
    const wrapped = new RetriesExhaustedError(
      3,
      new KafkaJSNumberOfRetriesExceeded(protocol('UNKNOWN_MEMBER_ID'), { retryCount: 5, retryTime: 100 } as never),
    );
    expect(hasKafkaErrorType(wrapped, new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']))).toBe(true);
  });

  it('finds the type in a part of an aggregate error', () => {
    const aggregate = Object.assign(new Error('several'), { errors: [new Error('other'), protocol('UNKNOWN_PRODUCER_ID')] });
    expect(hasKafkaErrorType(aggregate, ['UNKNOWN_PRODUCER_ID'])).toBe(true);
  });

  it('is false for other types, errors without a type and non-errors', () => {
    expect(hasKafkaErrorType(protocol('REBALANCE_IN_PROGRESS'), ['NOT_COORDINATOR_FOR_GROUP'])).toBe(false);
    expect(hasKafkaErrorType(new Error('NOT_COORDINATOR_FOR_GROUP'), ['NOT_COORDINATOR_FOR_GROUP'])).toBe(false);
    expect(hasKafkaErrorType(undefined, ['NOT_COORDINATOR_FOR_GROUP'])).toBe(false);
    expect(hasKafkaErrorType('UNKNOWN_MEMBER_ID', ['UNKNOWN_MEMBER_ID'])).toBe(false);
  });
});

describe('explainKafkaError, case by case (kafkajs-shaped error objects, no broker)', () => {
  const sasl = (message: string) => Object.assign(new Error(message), { name: 'KafkaJSSASLAuthenticationError' });

  it.each(['Closed connection', 'Connection error: x', 'Request timed out', 'connect ECONNRESET', 'write EPIPE', 'socket hang up', 'Not connected'])(
    'a SASL error during a lost connection (%s) is transient, not an authentication failure',
    (message) => {
      expect(explainKafkaError(sasl(`SASL PLAIN authentication failed: ${message}`))).toBeUndefined();
    },
  );

  it('the SASL_AUTHENTICATION_FAILED protocol type is an authentication failure; the message is the exact text with the cause', () => {
    const error = Object.assign(new Error('Authentication failed'), { type: 'SASL_AUTHENTICATION_FAILED' });
    const explained = explainKafkaError(error) as KafkaAccessError;
    expect(explained.reason).toBe('authentication');
    expect(explained.message).toBe(
      'Kafka authentication failed: the broker rejected the SASL credentials (check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD / KAFKA_SASL_PASSWORD_FILE and KAFKA_SASL_MECHANISM): Authentication failed',
    );
    expect(explained.original).toBe(error);
    expect(explained.retriable).toBe(false);
    expect(explained.name).toBe('KafkaAccessError');
    const bare = explainKafkaError({ name: 'KafkaJSSASLAuthenticationError' }) as KafkaAccessError;
    expect(bare.message).toBe(
      'Kafka authentication failed: the broker rejected the SASL credentials (check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD / KAFKA_SASL_PASSWORD_FILE and KAFKA_SASL_MECHANISM):',
    );
  });

  it('an authorization failure says which ACL is missing', () => {
    const explained = explainKafkaError(Object.assign(new Error('x'), { type: 'GROUP_AUTHORIZATION_FAILED' }));
    expect(explained?.message).toBe('Kafka authorization failed (GROUP_AUTHORIZATION_FAILED): the principal has no ACL for its consumer group (READ on the group)');
  });

  it.each([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
  ])('the TLS code %s is a TLS failure naming the settings', (code) => {
    const explained = explainKafkaError(Object.assign(new Error('handshake'), { code })) as KafkaAccessError;
    expect(explained.reason).toBe('tls');
    expect(explained.message).toBe(`Kafka TLS handshake failed (${code}): check KAFKA_SSL_CA_LOCATION and KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: handshake`);
  });

  it('a code that only contains a TLS code is not one', () => {
    expect(explainKafkaError(Object.assign(new Error('x'), { code: 'X_CERT_HAS_EXPIRED' }))).toBeUndefined();
    expect(explainKafkaError(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED_2' }))).toBeUndefined();
    expect((explainKafkaError(Object.assign(new Error(''), { code: 'CERT_HAS_EXPIRED' })) as KafkaAccessError).message).toBe(
      'Kafka TLS handshake failed (CERT_HAS_EXPIRED): check KAFKA_SSL_CA_LOCATION and KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM:',
    );
  });

  it('follows a plain cause, and hands back an access or undecodable error found in the chain as it is', () => {
    const inner = Object.assign(new Error('no'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    expect((explainKafkaError(new Error('wrapped', { cause: inner })) as KafkaAccessError).reason).toBe('topic-authorization');
    const access = new KafkaAccessError('tls', 'already explained', null);
    expect(explainKafkaError(new Error('outer', { cause: access }))).toBe(access);
    const undecodable = new UndecodableBatchError('zstd', new Error('bad'));
    expect(explainKafkaError(Object.assign(new Error('retries'), { originalError: undecodable }))).toBe(undecodable);
    expect(isFatalKafkaError(undecodable)).toBe(true);
  });

  it('follows the last error of withRetry', () => {
    const inner = Object.assign(new Error('no'), { type: 'CLUSTER_AUTHORIZATION_FAILED' });
    expect((explainKafkaError(Object.assign(new Error('exhausted'), { lastError: inner })) as KafkaAccessError).reason).toBe('cluster-authorization');
  });

  it('stops after 32 errors of a chain (a cycle does not hang it)', () => {
    const cyclic: { message: string; cause?: unknown } = { message: 'loop' };
    cyclic.cause = cyclic;
    expect(explainKafkaError(cyclic)).toBeUndefined();
    expect(hasKafkaErrorType(cyclic, ['X'])).toBe(false);
    // The access error 32 causes deep is the 33rd in the chain: not reached.
    let deep: object = Object.assign(new Error('deepest'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    for (let i = 0; i < 32; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect(explainKafkaError(deep)).toBeUndefined();
    let reachable: object = Object.assign(new Error('deepest'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    for (let i = 0; i < 31; i++) reachable = new Error(`level ${i}`, { cause: reachable });
    expect(explainKafkaError(reachable)).toBeInstanceOf(KafkaAccessError);
  });

  it('skips what is not an object in a chain without counting it', () => {
    const denied = Object.assign(new Error('no'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    const aggregate = Object.assign(new Error('several'), { errors: [...Array.from({ length: 31 }, (_, i) => `text ${i}`), denied] });
    expect((explainKafkaError(aggregate) as KafkaAccessError).reason).toBe('topic-authorization');
  });

  it('translateKafkaError explains what it can and passes everything else through', () => {
    const plain = new Error('plain');
    expect(translateKafkaError(plain)).toBe(plain);
    expect(translateKafkaError(Object.assign(new Error('x'), { type: 'TOPIC_AUTHORIZATION_FAILED' }))).toBeInstanceOf(KafkaAccessError);
  });
});

describe('isRetriableKafkaError, network codes (no broker)', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND'])('%s is retriable', (code) => {
    expect(isRetriableKafkaError(Object.assign(new Error('socket'), { code }))).toBe(true);
  });

  it('an unknown code, a numeric code or a retriable flag that is not true is not', () => {
    expect(isRetriableKafkaError(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(false);
    expect(isRetriableKafkaError(Object.assign(new Error('x'), { code: 5 }))).toBe(false);
    expect(isRetriableKafkaError(Object.assign(new Error('x'), { retriable: 'yes' }))).toBe(false);
    expect(isRetriableKafkaError(Object.assign(new Error('x'), { type: 'LEADER_NOT_AVAILABLE' }))).toBe(false);
    expect(isRetriableKafkaError(Object.assign(new Error('x'), { retriable: true }))).toBe(true);
    // An access failure is final even when kafkajs flags it retriable.
    expect(isRetriableKafkaError(Object.assign(new Error('x'), { type: 'TOPIC_AUTHORIZATION_FAILED', retriable: true }))).toBe(false);
  });
});
