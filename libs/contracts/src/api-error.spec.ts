import { errorBody, PlatformError } from './api-error';

describe('the API error format', () => {
  it('is a literal body: code, message, details, the time as ISO-8601 and the request id', () => {
    const now = new Date('2026-03-01T12:00:00.000Z');
    expect(errorBody({ errorCode: 'RATE_LIMITED', message: 'slow down', details: { retry_after: 2 } }, 'req-1', now)).toEqual({
      error_code: 'RATE_LIMITED',
      message: 'slow down',
      details: { retry_after: 2 },
      timestamp: '2026-03-01T12:00:00.000Z',
      request_id: 'req-1',
    });
  });

  it('has null details when there are none, and the current time by default', () => {
    const before = Date.now();
    const body = errorBody({ errorCode: 'X', message: 'm' }, 'req-2');
    expect(body.details).toBeNull();
    expect(Date.parse(body.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.timestamp)).toBeLessThanOrEqual(Date.now());
    expect(errorBody({ errorCode: 'X', message: 'm', details: null }, 'r').details).toBeNull();
  });

  it('is produced from a PlatformError, which keeps its status, code, details and retry hint', () => {
    const error = new PlatformError(429, 'RATE_LIMITED', 'slow down', { subject: 's' }, 3);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PlatformError');
    expect([error.status, error.errorCode, error.message, error.details, error.retryAfterSeconds]).toEqual([429, 'RATE_LIMITED', 'slow down', { subject: 's' }, 3]);
    expect(new PlatformError(400, 'BAD', 'no').details).toBeNull();
    expect(errorBody(error, 'r', new Date(0))).toEqual({ error_code: 'RATE_LIMITED', message: 'slow down', details: { subject: 's' }, timestamp: '1970-01-01T00:00:00.000Z', request_id: 'r' });
  });
});
