/**
 * Where tokens are verified from: an HS256 secret (JWT_SECRET), RS256 keys from a JWKS URL
 * (JWKS_URL), or both (the key is chosen by the token's `alg`). Neither set is a startup error,
 * except with NODE_ENV=development, which falls back to a well-known local secret and says so.
 */
import { ConfigError, env, loadEnv } from '@platform/runtime';

/** Used only when NODE_ENV=development is set explicitly and no key source is configured. */
export const DEV_JWT_SECRET = 'local-development-only-secret-never-use-in-production';

export interface AuthSettings {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  clockToleranceSec: number;
  /** Verified tokens kept (bounded LRU keyed by the token string). 0 turns the cache off. */
  cacheSize: number;
  cacheMaxAgeMs: number;
  /** Longer bearer strings are rejected before any parsing. */
  maxTokenLength: number;
  /** True when the development fallback secret is in use. */
  devFallback: boolean;
}

export const authEnv = {
  jwtSecret: env.optionalString('JWT_SECRET'),
  jwksUrl: env.optionalUrl('JWKS_URL'),
  jwtIssuer: env.optionalString('JWT_ISSUER'),
  jwtAudience: env.optionalString('JWT_AUDIENCE'),
  jwtClockTolerance: env.duration('JWT_CLOCK_TOLERANCE', { default: '5s' }),
  tokenCacheSize: env.int('TOKEN_CACHE_SIZE', { default: 10_000, min: 0 }),
  tokenCacheMaxAge: env.duration('TOKEN_CACHE_MAX_AGE', { default: '5m' }),
  nodeEnv: env.optionalString('NODE_ENV'),
  /** With NODE_ENV=production, tokens are verified without issuer/audience only when this says so. */
  allowUnboundTokens: env.bool('JWT_ALLOW_MISSING_ISSUER_AUDIENCE', { default: false }),
};

export function authSettingsFromEnv(source: Record<string, string | undefined> = process.env): AuthSettings {
  const raw = loadEnv(authEnv, source);
  let secret = raw.jwtSecret;
  let devFallback = false;
  if (!secret && !raw.jwksUrl) {
    if (raw.nodeEnv !== 'development') {
      throw new ConfigError(['JWT_SECRET or JWKS_URL is required (set NODE_ENV=development to use the local development secret)']);
    }
    secret = DEV_JWT_SECRET;
    devFallback = true;
  }
  // A token minted for another service with the same key would be accepted: in production the
  // issuer and the audience must be checked unless someone decided otherwise, explicitly.
  if (raw.nodeEnv === 'production' && !raw.allowUnboundTokens) {
    const missing = [raw.jwtIssuer ? null : 'JWT_ISSUER', raw.jwtAudience ? null : 'JWT_AUDIENCE'].filter(Boolean);
    if (missing.length > 0) {
      throw new ConfigError([
        `${missing.join(' and ')} required with NODE_ENV=production (set JWT_ALLOW_MISSING_ISSUER_AUDIENCE=true to accept tokens without them)`,
      ]);
    }
  }
  return {
    secret,
    jwksUrl: raw.jwksUrl,
    issuer: raw.jwtIssuer,
    audience: raw.jwtAudience,
    clockToleranceSec: Math.floor(raw.jwtClockTolerance / 1000),
    cacheSize: raw.tokenCacheSize,
    cacheMaxAgeMs: raw.tokenCacheMaxAge,
    maxTokenLength: 8192,
    devFallback,
  };
}
