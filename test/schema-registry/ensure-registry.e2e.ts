/** test/support's ensureRegistry: reuse a registry that answers, else start one in-process. */
import { RunningSchemaRegistry } from '../../apps/schema-registry/src/bootstrap';
import { ADMIN, call, deleteTopic, freshSchemasTopic, startRegistry } from './support';

type Testing = typeof import('@test/support');

/**
 * Loads @test/support with SCHEMA_REGISTRY_URL and the registry credentials set as given (both
 * are read when the module loads).
 */
function testingWithRegistryUrl(url: string, userInfo = `${ADMIN.username}:${ADMIN.password}`): Testing {
  const variables = { SCHEMA_REGISTRY_URL: url, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: userInfo, SCHEMA_REGISTRY_BEARER_TOKEN: undefined };
  const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(variables);
  try {
    let loaded: Testing | undefined;
    jest.isolateModules(() => {
      loaded = require('@test/support');
    });
    return loaded!;
  } finally {
    apply(previous);
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
      expect((await call(registry.url, 'GET', '/subjects', undefined, undefined, null)).status).toBe(401);
      expect(registry.clientEnv).toMatchObject({ SCHEMA_REGISTRY_URL: registry.url, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: `${ADMIN.username}:${ADMIN.password}` });
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

  it('does not reuse a registry that refuses the test credentials: it starts its own', async () => {
    const topic = freshSchemasTopic();
    const running: RunningSchemaRegistry = await startRegistry(topic);
    try {
      const registry = await testingWithRegistryUrl(running.url, 'someone-else:wrong').ensureRegistry();
      try {
        expect(registry.url).not.toBe(running.url);
        expect(registry.credentials).toEqual({ kind: 'basic', username: 'someone-else', password: 'wrong' });
        expect((await call(registry.url, 'GET', '/subjects', undefined, undefined, 'Basic ' + Buffer.from('someone-else:wrong').toString('base64'))).status).toBe(200);
      } finally {
        await registry.close();
      }
    } finally {
      await running.close();
      await deleteTopic(topic);
    }
  });
});
