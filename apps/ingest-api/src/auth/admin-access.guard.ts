/** Admin routes' one guard: authenticates and rate-limits (AccessGuard), then needs `admin`, `admin:*` or `admin:<area>` for the route's area (403 otherwise). */
import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PlatformError } from '@platform/contracts';
import { allowsAdmin, Principal, TokenVerifier } from '@platform/auth';
import { SubjectThrottlerGuard } from '../throttling/subject-throttler.guard';
import { AccessGuard } from './access.guard';

const ADMIN_AREA = 'ingest:admin-area';

/** The administrative area a controller or route belongs to, e.g. `dlq`. */
export const AdminArea = (area: string) => SetMetadata(ADMIN_AREA, area);

@Injectable()
export class AdminAccessGuard extends AccessGuard {
  constructor(verifier: TokenVerifier, throttler: SubjectThrottlerGuard, private readonly reflector: Reflector) {
    super(verifier, throttler);
  }

  protected authorize(_request: unknown, principal: Principal, context: ExecutionContext): void {
    const area = this.reflector.getAllAndOverride<string>(ADMIN_AREA, [context.getHandler(), context.getClass()]) ?? 'all';
    if (!allowsAdmin(principal.scopes, area)) {
      throw new PlatformError(403, 'FORBIDDEN', `the token lacks scope admin:${area}`, { required: `admin:${area}` });
    }
  }
}
