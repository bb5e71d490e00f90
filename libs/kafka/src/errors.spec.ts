import { explainKafkaError, isFatalKafkaError, KafkaAccessError } from './errors';

describe('Kafka access errors', () => {
  it('turns a SASL failure wrapped in kafkajs retries into an authentication error that names the settings', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), { name: 'KafkaJSSASLAuthenticationError' });
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
    const aggregate = Object.assign(new Error('topic creation errors'), { name: 'KafkaJSAggregateError', errors: [Object.assign(new Error('Not authorized'), { type: 'TOPIC_AUTHORIZATION_FAILED' })] });
    expect((explainKafkaError(aggregate) as KafkaAccessError).reason).toBe('topic-authorization');
  });

  it('a connection lost during the SASL exchange is not an authentication failure', () => {
    const closed = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: Closed connection'), { name: 'KafkaJSSASLAuthenticationError' });
    expect(explainKafkaError(closed)).toBeUndefined();
  });

  it('leaves transient errors alone', () => {
    expect(explainKafkaError(Object.assign(new Error('no leader'), { type: 'LEADER_NOT_AVAILABLE' }))).toBeUndefined();
    expect(isFatalKafkaError(new Error('ECONNREFUSED'))).toBe(false);
  });
});
