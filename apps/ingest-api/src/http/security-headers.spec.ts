import { API_SECURITY_HEADERS, isPageUrl, pageSecurityHeaders } from './security-headers';

describe('security headers', () => {
  it('of the pages are the headers helmet sets, computed once with the pages CSP', () => {
    const headers = new Map(pageSecurityHeaders());
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(headers.get('content-security-policy')).toBe(
      "default-src 'self';base-uri 'self';font-src 'self' data:;form-action 'self';frame-ancestors 'none';img-src 'self' data:;" +
        "object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';connect-src 'self'",
    );
    expect(headers.has('x-powered-by')).toBe(false);
  });

  it('of the API are the OWASP REST set: no-store, nosniff, nothing loaded or framed, HSTS', () => {
    expect(API_SECURITY_HEADERS).toEqual({
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
    expect(Object.isFrozen(API_SECURITY_HEADERS)).toBe(true);
  });

  it('tell the pages from the API by path', () => {
    expect(['/docs', '/docs/ui.js', '/console', '/console/vendor/x.js'].map(isPageUrl)).toEqual([true, true, true, true]);
    expect(['/api/v1/events/clickstream', '/api/v1/console/overview', '/metrics', '/'].map(isPageUrl)).toEqual([false, false, false, false]);
  });
});
