/**
 * Authenticates with passport-jwt, except that a token already verified (and not expired) is taken
 * from the verifier's cache without another signature check. Every failure is a 401 in the
 * platform's error format.
 */
import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { PlatformError } from '@platform/contracts';
import { bearerToken, describeJwtError, Principal, TokenVerifier, unauthorized } from '@platform/auth';

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly verifier: TokenVerifier) {
    super();
  }

  override canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined>; user?: Principal }>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw unauthorized('missing bearer token');
    if (token.length > this.verifier.maxTokenLength) throw unauthorized('token is too long');
    const cached = this.verifier.cached(token);
    if (cached) {
      request.user = cached;
      return true;
    }
    return super.canActivate(context) as Promise<boolean>;
  }

  override handleRequest<T = Principal>(error: unknown, user: unknown, info: unknown): T {
    if (error instanceof PlatformError) throw error;
    if (info instanceof PlatformError) throw info;
    if (error || !user) throw unauthorized(info || error ? describeJwtError(info ?? error) : 'invalid token');
    return user as T;
  }
}
