/**
 * Security headers on every HTTP answer (@fastify/helmet): nosniff, frame denial, referrer policy,
 * HSTS, and a Content-Security-Policy strict enough for an API and still enough for the OpenAPI page
 * at /docs (its scripts and styles are same-origin files; Swagger UI sets inline styles and data:
 * images). Answers to requests that carried credentials are never cached.
 * The headers are the same for every answer, so they are computed once at startup.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import helmet from 'helmet';
import type { FastifyServer } from './http-hooks';

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

/**
 * The headers helmet sets, computed once: none of them depends on the request (no CSP nonces), so
 * running helmet's middleware per request (as @fastify/helmet does, parsing the CSP directives each
 * time) would only repeat the same work.
 */
export function securityHeaders(): ReadonlyArray<readonly [string, string]> {
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

export function installSecurityHeaders(fastify: FastifyServer): void {
  const fixed = Object.fromEntries(securityHeaders());
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(fixed);
    if (request.headers.authorization !== undefined || request.url.includes('access_token=')) reply.header('cache-control', 'no-store');
    done();
  });
}
