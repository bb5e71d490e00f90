import { PipelineConfig } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { Principal } from '@platform/auth';
import { TopicDirectory } from '../events/topic-directory';
import { authorizeTopic } from './topic-access';

const topics = new TopicDirectory({ eventTypes: [{ name: 'iot.sensor', topic: 'events.iot.sensor' }] } as unknown as PipelineConfig);
const principal = (...scopes: string[]) => ({ subject: 's', scopes: new Set(scopes) }) as unknown as Principal;

function refusal(run: () => unknown): PlatformError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error as PlatformError;
  }
}

describe('authorizeTopic', () => {
  it('resolves the topic or the event type name when the scopes allow the access', () => {
    expect(authorizeTopic(topics, 'events.iot.sensor', principal('events:write:iot.sensor'), 'write').name).toBe('iot.sensor');
    expect(authorizeTopic(topics, 'iot.sensor', principal('aggregates:read:iot.sensor'), 'aggregates').topic).toBe('events.iot.sensor');
  });

  it('answers 404 for an unknown segment before looking at the scopes', () => {
    expect(refusal(() => authorizeTopic(topics, 'nope', principal('admin'), 'read'))).toMatchObject({
      status: 404,
      errorCode: 'UNKNOWN_TOPIC',
    });
  });

  it('answers 403 naming the scope the access needs', () => {
    expect(refusal(() => authorizeTopic(topics, 'iot.sensor', principal('events:read:*'), 'write'))).toMatchObject({
      status: 403,
      details: { required: 'events:write:events.iot.sensor' },
    });
    expect(refusal(() => authorizeTopic(topics, 'iot.sensor', principal('events:write:*'), 'aggregates'))).toMatchObject({
      status: 403,
      details: { required: 'aggregates:read:iot.sensor' },
    });
  });
});
