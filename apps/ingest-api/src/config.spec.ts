import { ConfigError } from '@platform/runtime';
import { loadIngestConfig } from './config';

describe('loadIngestConfig', () => {
  it('reads the HTTP deadlines, 5 s and 15 s by default', () => {
    const config = loadIngestConfig({ JWT_SECRET: 'x'.repeat(32) });
    expect([config.headersTimeoutMs, config.requestTimeoutMs]).toEqual([5000, 15000]);
    const raised = loadIngestConfig({ JWT_SECRET: 'x'.repeat(32), HTTP_HEADERS_TIMEOUT: '20s', HTTP_REQUEST_TIMEOUT: '20s' });
    expect([raised.headersTimeoutMs, raised.requestTimeoutMs]).toEqual([20000, 20000]);
  });

  it('refuses a header deadline past the request deadline, naming both variables', () => {
    const load = () => loadIngestConfig({ JWT_SECRET: 'x'.repeat(32), HTTP_HEADERS_TIMEOUT: '20s' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/HTTP_HEADERS_TIMEOUT \(20000 ms\) must not exceed HTTP_REQUEST_TIMEOUT \(15000 ms\)/);
  });
});
