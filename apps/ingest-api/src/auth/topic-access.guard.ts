/**
 * The `{topic}` routes' one guard: authenticates and rate-limits (AccessGuard), then resolves the
 * path segment and checks the scopes for the access the route (or its controller) declares with
 * RequireScope (authorizeTopic: 404 when unknown, 403 when missing). The resolved type is left on
 * the request.
 */
import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { EventTypeSpec } from '@platform/runtime';
import { Principal, TokenVerifier } from '@platform/auth';
import { TopicDirectory } from '../events/topic-directory';
import { SubjectThrottlerGuard } from '../throttling/subject-throttler.guard';
import { AccessGuard } from './access.guard';
import { authorizeTopic, TopicAccess } from './topic-access';

const REQUIRED_ACCESS = 'ingest:required-access';

/** What a route (or every route of a controller) does with its `{topic}`; checked against the token's scopes. */
export const RequireScope = (access: TopicAccess) => SetMetadata(REQUIRED_ACCESS, access);

/** A request on a `{topic}` route once its guard ran: the principal, and the event type the segment names. */
export type TopicRequest<Query = Record<string, unknown>> = FastifyRequest<{ Params: Record<string, string>; Querystring: Query }> & {
  user?: Principal;
  eventType: EventTypeSpec;
};

@Injectable()
export class TopicAccessGuard extends AccessGuard<TopicRequest, TopicAccess> {
  private readonly accesses = new WeakMap<object, TopicAccess>();

  constructor(
    verifier: TokenVerifier,
    throttler: SubjectThrottlerGuard,
    private readonly reflector: Reflector,
    private readonly topics: TopicDirectory,
  ) {
    super(verifier, throttler);
  }

  /** The access a controller method declares (RequireScope on it or its controller; write when neither says). */
  accessOf(handler: object, controller: object): TopicAccess {
    let access = this.accesses.get(handler);
    if (!access) {
      access =
        this.reflector.getAllAndOverride<TopicAccess | undefined>(REQUIRED_ACCESS, [handler as never, controller as never]) ?? 'write';
      this.accesses.set(handler, access);
    }
    return access;
  }

  protected override routeOf(context: ExecutionContext): TopicAccess {
    return this.accessOf(context.getHandler(), context.getClass());
  }

  protected authorize(request: TopicRequest, principal: Principal, access: TopicAccess): void {
    request.eventType = authorizeTopic(this.topics, request.params.topic ?? '', principal, access);
  }
}
