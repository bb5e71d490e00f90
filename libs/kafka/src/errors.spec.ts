import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { RetriesExhaustedError } from '@platform/runtime';
import { explainKafkaError, hasKafkaErrorType, isFatalKafkaError, isRetriableKafkaError, KafkaAccessError } from './errors';

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
