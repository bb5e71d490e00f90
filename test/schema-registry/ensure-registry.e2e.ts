/** libs/testing's ensureRegistry: reuse a registry that answers, else start one in-process. */
import { RunningSchemaRegistry } from '../../apps/schema-registry/src/bootstrap';
import { call, deleteTopic, freshSchemasTopic, startRegistry } from './support';

type Testing = typeof import('@platform/testing');

/** Loads @platform/testing with SCHEMA_REGISTRY_URL set as given (it is read when the module loads). */
function testingWithRegistryUrl(url: string): Testing {
  const previous = process.env.SCHEMA_REGISTRY_URL;
  process.env.SCHEMA_REGISTRY_URL = url;
  try {
    let loaded: Testing | undefined;
    jest.isolateModules(() => {
      loaded = require('@platform/testing');
    });
    return loaded!;
  } finally {
    if (previous === undefined) delete process.env.SCHEMA_REGISTRY_URL;
    else process.env.SCHEMA_REGISTRY_URL = previous;
  }
}

describe('ensureRegistry', () => {
  it('starts an in-process registry on a free port when none answers, and closes it', async () => {
    const testing = testingWithRegistryUrl('http://127.0.0.1:9'); // the discard port: nothing answers there
    const registry = await testing.ensureRegistry();
    try {
      expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(registry.url).not.toBe('http://127.0.0.1:9');
      expect(await call(registry.url, 'GET', '/subjects')).toMatchObject({ status: 200, body: [] });
    } finally {
      await registry.close();
    }
    await expect(fetch(`${registry.url}/subjects`)).rejects.toThrow();
  });

  it('returns a registry that already answers, and leaves it running on close', async () => {
    const topic = freshSchemasTopic();
    const running: RunningSchemaRegistry = await startRegistry(topic);
    try {
      const registry = await testingWithRegistryUrl(running.url).ensureRegistry();
      expect(registry.url).toBe(running.url);
      await registry.close();
      expect((await call(running.url, 'GET', '/subjects')).status).toBe(200);
    } finally {
      await running.close();
      await deleteTopic(topic);
    }
  });
});
