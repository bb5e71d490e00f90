/**
 * Verifies bearer tokens: signature (HS256 secret or RS256 key from JWKS, chosen by `alg`; `none`
 * and every other algorithm refused), `exp` (required), `nbf`, issuer and audience; then turns the
 * claims into a Principal. The HTTP guard (passport-jwt) and the WebSocket upgrade share the key
 * lookup, the verify options and the claim mapping defined here; verified tokens are cached per
 * token string until their `exp`.
 */
import { Algorithm, decode, JwtPayload, verify, VerifyOptions } from 'jsonwebtoken';
import { KeyObject } from 'crypto';
import { PlatformError } from '@platform/contracts';
import { AuthSettings } from './settings';
import { scopesFromClaims } from './scopes';
import { TokenCache } from './token-cache';
import { JwksKeySource, SigningKeySource } from './jwks-key-source';

export interface Principal {
  subject: string;
  scopes: ReadonlySet<string>;
  /** The token's `exp` in epoch ms. */
  expiresAtMs: number | null;
}

export function unauthorized(message: string): PlatformError {
  return new PlatformError(401, 'UNAUTHORIZED', message);
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = BEARER.exec(header);
  return match ? match[1] : undefined;
}

export class TokenVerifier {
  readonly algorithms: Algorithm[];
  private readonly cache: TokenCache<Principal>;
  private readonly jwks?: SigningKeySource;

  constructor(
    private readonly settings: AuthSettings,
    deps: { jwks?: SigningKeySource } = {},
  ) {
    this.algorithms = [];
    if (settings.secret) this.algorithms.push('HS256');
    if (settings.jwksUrl || deps.jwks) this.algorithms.push('RS256');
    if (this.algorithms.length === 0) throw new Error('TokenVerifier needs a secret or a JWKS URL');
    this.cache = new TokenCache(settings.cacheSize, settings.cacheMaxAgeMs);
    this.jwks = deps.jwks ?? (settings.jwksUrl ? new JwksKeySource(settings.jwksUrl) : undefined);
  }

  /** Options for jsonwebtoken.verify (also handed to passport-jwt). */
  get verifyOptions(): VerifyOptions {
    return {
      algorithms: this.algorithms,
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      clockTolerance: this.settings.clockToleranceSec,
    };
  }

  get maxTokenLength(): number {
    return this.settings.maxTokenLength;
  }

  cached(token: string): Principal | undefined {
    return this.cache.get(token);
  }

  remember(token: string, principal: Principal): void {
    this.cache.set(token, principal, principal.expiresAtMs);
  }

  /** The key that must have signed `token`, chosen by its header's `alg` (and `kid` for JWKS). */
  async keyFor(token: string): Promise<string | KeyObject> {
    if (token.length > this.settings.maxTokenLength) throw unauthorized('token is too long');
    let header: { alg?: unknown; kid?: unknown } | undefined;
    try {
      header = (decode(token, { complete: true }) as { header?: { alg?: unknown; kid?: unknown } } | null)?.header;
    } catch {
      header = undefined;
    }
    if (!header || typeof header.alg !== 'string') throw unauthorized('malformed token');
    if (header.alg === 'HS256' && this.settings.secret) return this.settings.secret;
    if (header.alg === 'RS256' && this.jwks) {
      if (header.kid !== undefined && typeof header.kid !== 'string') throw unauthorized('malformed token key id');
      try {
        return await this.jwks.getSigningKey(header.kid as string | undefined);
      } catch (error) {
        const name = (error as Error)?.name ?? '';
        if (name === 'SigningKeyNotFoundError') throw unauthorized('unknown signing key');
        throw new PlatformError(503, 'SERVICE_UNAVAILABLE', 'signing keys are unavailable', null, 1);
      }
    }
    throw unauthorized(`algorithm ${header.alg.slice(0, 16)} is not accepted`);
  }

  /** Claims -> Principal; a token without a subject or an expiry is refused. */
  principalFromClaims(claims: JwtPayload | string): Principal {
    if (typeof claims !== 'object' || claims === null) throw unauthorized('token payload is not an object');
    if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 256) throw unauthorized('token has no subject');
    if (typeof claims.exp !== 'number') throw unauthorized('token has no expiry');
    return { subject: claims.sub, scopes: scopesFromClaims(claims as Record<string, unknown>), expiresAtMs: claims.exp * 1000 };
  }

  /**
   * The one auth step of a request: the principal of an `Authorization: Bearer` header, returned
   * synchronously when the token was verified before (the common case), else a promise of its
   * verification. Every failure is a 401 PlatformError.
   */
  authenticate(authorization: string | string[] | undefined): Principal | Promise<Principal> {
    const token = bearerToken(authorization);
    if (!token) throw unauthorized('missing bearer token');
    if (token.length > this.settings.maxTokenLength) throw unauthorized('token is too long');
    return this.cache.get(token) ?? this.verify(token);
  }

  /** Verifies (or finds in the cache) a token; every failure is a 401 PlatformError. */
  async verify(token: string | undefined | null): Promise<Principal> {
    if (!token) throw unauthorized('missing bearer token');
    const hit = this.cache.get(token);
    if (hit) return hit;
    const key = await this.keyFor(token);
    let claims: JwtPayload | string;
    try {
      claims = verify(token, key, this.verifyOptions);
    } catch (error) {
      throw unauthorized(describeJwtError(error));
    }
    const principal = this.principalFromClaims(claims);
    this.remember(token, principal);
    return principal;
  }
}

/** A short, safe reason for a jsonwebtoken failure (never the token itself). */
export function describeJwtError(error: unknown): string {
  const name = (error as Error)?.name;
  if (name === 'TokenExpiredError') return 'token expired';
  if (name === 'NotBeforeError') return 'token not yet valid';
  const message = String((error as Error)?.message ?? 'invalid token');
  if (/audience/.test(message)) return 'token audience is not accepted';
  if (/issuer/.test(message)) return 'token issuer is not accepted';
  if (/signature/.test(message)) return 'invalid token signature';
  if (/algorithm/.test(message)) return 'token algorithm is not accepted';
  return 'invalid token';
}
