/**
 * The one guard of a route: who the caller is (one TokenVerifier call), its rate limit, then what the
 * route needs of its scopes, in a single step that yields the principal and checks the scopes. For a
 * token verified before and the in-memory rate counters the whole step is synchronous: no promise,
 * no further guard for NestJS to await.
 */
import { CanActivate, ExecutionContext } from '@nestjs/common';
import { Principal, TokenVerifier } from '@platform/auth';
import { SubjectThrottlerGuard } from '../throttling/subject-throttler.guard';

export interface AccessRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: Principal;
  ip?: string;
}

export abstract class AccessGuard<R extends AccessRequest = AccessRequest> implements CanActivate {
  constructor(private readonly verifier: TokenVerifier, private readonly throttler: SubjectThrottlerGuard) {}

  /** Throws a PlatformError (403, 404) when the principal may not use this route. */
  protected abstract authorize(request: R, principal: Principal, context: ExecutionContext): void;

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<R>();
    const principal = this.verifier.authenticate(request.headers.authorization);
    return principal instanceof Promise ? principal.then((verified) => this.admit(request, verified, context)) : this.admit(request, principal, context);
  }

  private admit(request: R, principal: Principal, context: ExecutionContext): boolean | Promise<boolean> {
    request.user = principal;
    const limited = this.throttler.limit(request);
    if (limited) {
      return limited.then(() => {
        this.authorize(request, principal, context);
        return true;
      });
    }
    this.authorize(request, principal, context);
    return true;
  }
}
