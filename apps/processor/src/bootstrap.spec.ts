import { FinalStartError } from '@platform/runtime';
import { StagesNotStartedError } from './bootstrap';

describe('a processor whose stages fail to start', () => {
  it('is a final start failure, whatever the cause: runService exits for a clean restart instead of starting again in place', () => {
    const brokerDown = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), {
      name: 'KafkaJSConnectionError',
      retriable: true,
      code: 'ECONNREFUSED',
    });
    const failed = new StagesNotStartedError(brokerDown);
    expect(failed).toBeInstanceOf(FinalStartError);
    expect(failed.name).toBe('StagesNotStartedError');
    expect(failed.message).toBe("the processor's stages did not start: Connection error: connect ECONNREFUSED 127.0.0.1:9092");
    expect(failed.cause).toBe(brokerDown);
  });
});
