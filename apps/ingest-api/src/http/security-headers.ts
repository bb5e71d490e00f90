/**
 * Security headers on every HTTP answer, in two fixed sets computed once at startup (none depends on
 * the request: no CSP nonces).
 *
 * - The API's answers (JSON, Avro, metrics text: everything but the pages below) carry what the OWASP
 *   REST Security Cheat Sheet asks of an API: `cache-control: no-store` (an answer may hold data of
 *   the caller's token), `x-content-type-options: nosniff`, a Content-Security-Policy that lets the
 *   answer load nothing and be framed nowhere (`default-src 'none'; frame-ancestors 'none'`),
 *   `x-frame-options: DENY` for browsers without CSP frame-ancestors, and HSTS (clients reach the API
 *   over HTTPS; a browser ignores HSTS on plain HTTP, so local runs are unaffected). Helmet's other
 *   headers (referrer policy, cross-origin opener/resource policies, origin-agent-cluster, DNS
 *   prefetch, download options, cross-domain policies, the legacy XSS filter) govern how a browser
 *   renders or navigates a document, which an API answer is not; sending them cost each single-event
 *   request about 600 bytes and Node's validation of 8 more headers.
 * - The pages (the OpenAPI page at /docs with its document at /docs-json, the console at /console,
 *   and their files) carry helmet's full set with a CSP strict enough for them (their scripts and
 *   styles are same-origin files; Swagger UI sets inline styles and data: images), and `no-store`
 *   when the request carried credentials.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';

export const CONTENT_SECURITY_POLICY = {
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    // Plain-HTTP local runs must keep loading their own assets.
    upgradeInsecureRequests: null,
  },
};

const HSTS = 'max-age=31536000; includeSubDomains';

/** The headers of every API answer (OWASP REST Security Cheat Sheet, see above). */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': HSTS,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

/** The headers helmet sets for the pages, computed once rather than by running its middleware per request. */
export function pageSecurityHeaders(): ReadonlyArray<readonly [string, string]> {
  const headers = new Map<string, string>();
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => void headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value)),
    removeHeader: (name: string) => void headers.delete(name.toLowerCase()),
  };
  let failure: unknown;
  helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY, frameguard: { action: 'deny' } })({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return [...headers];
}

/** Whether a request URL is one of the pages (/docs, /docs-json, /console and their files) rather than the API. */
export function isPageUrl(url: string): boolean {
  return url.startsWith('/docs') || url.startsWith('/console');
}

/** Sets an answer's security headers: `setSecurityHeaders(request, reply)` in an onRequest hook. */
export function securityHeaderSetter(): (request: FastifyRequest, reply: FastifyReply) => void {
  const page = Object.freeze(Object.fromEntries(pageSecurityHeaders()));
  return (request, reply) => {
    if (!isPageUrl(request.url)) {
      reply.headers(API_SECURITY_HEADERS);
      return;
    }
    reply.headers(page);
    if (request.headers.authorization !== undefined || request.url.includes('access_token=')) reply.header('cache-control', 'no-store');
  };
}
