/**
 * RS256 public keys from a JWKS URL, cached by `kid`. An unknown `kid` triggers at most one refetch
 * per `minRefetchIntervalMs` (so forged key ids cannot flood the key server); fetches time out.
 * Built on fetch + crypto.createPublicKey; jwks-rsa 4 is not used because its `jose` dependency is
 * ESM-only and cannot be loaded by the jest (CommonJS) runtime the tests run in.
 */
import { createPublicKey, KeyObject } from 'crypto';

export class SigningKeyNotFoundError extends Error {
  override readonly name = 'SigningKeyNotFoundError';
}

export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export interface SigningKeySource {
  getSigningKey(kid: string | undefined): Promise<KeyObject>;
}

export class JwksKeySource implements SigningKeySource {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private pending?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly options: { timeoutMs?: number; maxAgeMs?: number; minRefetchIntervalMs?: number } = {},
  ) {}

  async getSigningKey(kid: string | undefined): Promise<KeyObject> {
    const maxAge = this.options.maxAgeMs ?? 10 * 60_000;
    if (this.fetchedAt === 0 || Date.now() - this.fetchedAt > maxAge) await this.refresh();
    let key = this.find(kid);
    if (!key && Date.now() - this.fetchedAt >= (this.options.minRefetchIntervalMs ?? 10_000)) {
      await this.refresh();
      key = this.find(kid);
    }
    if (!key) throw new SigningKeyNotFoundError(`no signing key ${kid ?? '(none)'}`);
    return key;
  }

  private find(kid: string | undefined): KeyObject | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    // A token without kid is accepted only when the set has exactly one key.
    return this.keys.size === 1 ? this.keys.values().next().value : undefined;
  }

  private refresh(): Promise<void> {
    this.pending ??= this.load().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async load(): Promise<void> {
    let body: { keys?: Array<Record<string, unknown>> };
    try {
      const response = await fetch(this.url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000) });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      body = (await response.json()) as typeof body;
    } catch (error) {
      if (this.keys.size > 0) return; // keep serving the keys we have
      throw new JwksUnavailableError(`JWKS at ${this.url} unavailable: ${(error as Error).message}`);
    }
    const keys = new Map<string, KeyObject>();
    for (const jwk of body.keys ?? []) {
      if (jwk.kty !== 'RSA' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      try {
        keys.set(typeof jwk.kid === 'string' ? jwk.kid : '', createPublicKey({ key: jwk as any, format: 'jwk' }));
      } catch {
        // an unusable entry is skipped; the others still work
      }
    }
    this.keys = keys;
    this.fetchedAt = Date.now();
  }
}
