import { isRetriableKafkaError } from '@platform/kafka';
import { isRetriableRegistryError } from '@platform/schema';
import { StagesNotStartedError } from './bootstrap';

describe('a processor whose stages fail to start', () => {
  it('is not started again in place, whatever the cause: the process exits for a clean restart', () => {
    const brokerDown = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError', retriable: true, code: 'ECONNREFUSED' });
    expect(isRetriableKafkaError(brokerDown)).toBe(true);
    const failed = new StagesNotStartedError(brokerDown);
    expect(isRetriableKafkaError(failed)).toBe(false);
    expect(isRetriableRegistryError(failed)).toBe(false);
    expect(failed.message).toBe("the processor's stages did not start: Connection error: connect ECONNREFUSED 127.0.0.1:9092");
    expect(failed.failure).toBe(brokerDown);
  });
});
