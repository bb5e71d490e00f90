/**
 * Authenticates a request in one step: one call to the TokenVerifier, answered from its cache
 * without a promise for a token verified before. Every failure is a 401 in the platform's format.
 */
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Principal, TokenVerifier } from '@platform/auth';

@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly verifier: TokenVerifier) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined>; user?: Principal }>();
    const principal = this.verifier.authenticate(request.headers.authorization);
    if (principal instanceof Promise) {
      return principal.then((verified) => {
        request.user = verified;
        return true;
      });
    }
    request.user = principal;
    return true;
  }
}
