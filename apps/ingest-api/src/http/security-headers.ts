/**
 * Security headers on every HTTP answer (@fastify/helmet): nosniff, frame denial, referrer policy,
 * HSTS, and a Content-Security-Policy strict enough for an API and still enough for the OpenAPI page
 * at /docs (its scripts and styles are same-origin files; Swagger UI sets inline styles and data:
 * images). Answers to requests that carried credentials are never cached.
 */
import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

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

export async function installSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  // The adapter bundles its own copy of Fastify's types; the plugin is typed against the root copy.
  const plugin = helmet as unknown as Parameters<NestFastifyApplication['register']>[0];
  await app.register(plugin, { contentSecurityPolicy: CONTENT_SECURITY_POLICY, frameguard: { action: 'deny' } });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply, payload) => {
      const query = request.url.includes('access_token=');
      if (request.headers.authorization !== undefined || query) reply.header('cache-control', 'no-store');
      return payload;
    });
}
