import { securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it('are the headers helmet sets for the API, computed once with the API CSP', () => {
    const headers = new Map(securityHeaders());
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(headers.get('content-security-policy')).toBe(
      "default-src 'self';base-uri 'self';font-src 'self' data:;form-action 'self';frame-ancestors 'none';img-src 'self' data:;" +
        "object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';connect-src 'self'",
    );
    expect(headers.has('x-powered-by')).toBe(false);
  });
});
