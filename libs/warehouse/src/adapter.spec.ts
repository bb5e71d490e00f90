import { isNetworkError } from './adapter';

describe('isNetworkError', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'EADDRNOTAVAIL'])('the socket code %s is one', (code) => {
    expect(isNetworkError(Object.assign(new Error('failed'), { code }))).toBe(true);
  });

  it.each(['connect ECONNREFUSED 127.0.0.1:5432', 'read ECONNRESET', 'ETIMEDOUT', 'socket hang up', 'Connection terminated unexpectedly', 'Query read timed out', 'statement TIMEOUT'])(
    'a message naming a network failure is one: %s',
    (message) => {
      expect(isNetworkError(new Error(message))).toBe(true);
    },
  );

  it('anything else is not: other codes and messages, no message, nothing', () => {
    expect(isNetworkError(Object.assign(new Error('permission denied'), { code: 'EACCES' }))).toBe(false);
    expect(isNetworkError(new Error('duplicate key value violates unique constraint'))).toBe(false);
    expect(isNetworkError({ code: 'EACCES' })).toBe(false);
    expect(isNetworkError({})).toBe(false);
    expect(isNetworkError(null)).toBe(false);
    expect(isNetworkError(undefined)).toBe(false);
  });
});
