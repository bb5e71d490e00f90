/** Admin routes: the token must carry `admin`, `admin:*` or `admin:<area>` for the route's area (403 otherwise). */
import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PlatformError } from '@platform/contracts';
import { allowsAdmin, Principal } from '@platform/auth';

const ADMIN_AREA = 'ingest:admin-area';

/** The administrative area a controller or route belongs to, e.g. `dlq`. */
export const AdminArea = (area: string) => SetMetadata(ADMIN_AREA, area);

@Injectable()
export class AdminScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const area = this.reflector.getAllAndOverride<string>(ADMIN_AREA, [context.getHandler(), context.getClass()]) ?? 'all';
    const request = context.switchToHttp().getRequest<{ user?: Principal }>();
    if (!request.user || !allowsAdmin(request.user.scopes, area)) {
      throw new PlatformError(403, 'FORBIDDEN', `the token lacks scope admin:${area}`, { required: `admin:${area}` });
    }
    return true;
  }
}
