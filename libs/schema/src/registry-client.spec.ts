import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { RetriesExhaustedError, TimeoutError } from '@platform/runtime';
import { isRetriableRegistryError, RegistryClient, RegistryError } from './registry-client';

describe('isRetriableRegistryError', () => {
  it.each([
    ['a 503 answer', new RegistryError('unavailable', 503)],
    ['a 429 answer', new RegistryError('slow down', 429)],
    ['no answer in time', new TimeoutError('schema registry did not answer GET /subjects within 2000 ms')],
    ['a 5xx answer after the retries', new RetriesExhaustedError(4, new RegistryError('unavailable', 502))],
  ])('%s: retriable', (_name, error) => {
    expect(isRetriableRegistryError(error)).toBe(true);
  });

  it.each([
    ['401 (credentials)', new RegistryError('unauthorized', 401)],
    ['403 (permissions)', new RegistryError('forbidden', 403)],
    ['422 (a rejected schema)', new RegistryError('invalid schema', 422)],
    ['any other error', new Error('pipeline names no event types')],
  ])('%s: not retriable', (_name, error) => {
    expect(isRetriableRegistryError(error)).toBe(false);
  });

  it('a registry that refuses connections: the client error is retriable (real socket, nothing listening)', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = await new RegistryClient(`http://127.0.0.1:${port}`, { maxAttempts: 1 }).latest('x').catch((e: unknown) => e);
    expect(isRetriableRegistryError(error)).toBe(true);
  });
});
