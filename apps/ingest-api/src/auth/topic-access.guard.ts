/**
 * The events routes' one guard: authenticates and rate-limits (AccessGuard), resolves the `{topic}`
 * path segment to its event type (404 when unknown) and checks the caller's scopes for the route's
 * action on it (403 when missing). The resolved type is left on the request.
 */
import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { EventTypeSpec } from '@platform/config';
import { PlatformError } from '@platform/contracts';
import { allows, EventAction, Principal, scopeFor, TokenVerifier } from '@platform/auth';
import { TopicDirectory } from '../events/topic-directory';
import { SubjectThrottlerGuard } from '../throttling/subject-throttler.guard';
import { AccessGuard } from './access.guard';

const REQUIRED_ACTION = 'ingest:required-action';

/** The action a route performs on its `{topic}`; checked against the token's scopes. */
export const RequireScope = (action: EventAction) => SetMetadata(REQUIRED_ACTION, action);

/** A request on a `{topic}` route once its guard ran: the principal, and the event type the segment names. */
export type TopicRequest<Query = Record<string, unknown>> = FastifyRequest<{ Params: Record<string, string>; Querystring: Query }> & {
  user?: Principal;
  eventType: EventTypeSpec;
};

@Injectable()
export class TopicAccessGuard extends AccessGuard<TopicRequest> {
  private readonly actions = new WeakMap<object, EventAction>();

  constructor(verifier: TokenVerifier, throttler: SubjectThrottlerGuard, private readonly reflector: Reflector, private readonly topics: TopicDirectory) {
    super(verifier, throttler);
  }

  protected authorize(request: TopicRequest, principal: Principal, context: ExecutionContext): void {
    const handler = context.getHandler();
    let action = this.actions.get(handler);
    if (!action) {
      action = this.reflector.get<EventAction>(REQUIRED_ACTION, handler) ?? 'write';
      this.actions.set(handler, action);
    }
    const segment = request.params.topic ?? '';
    const type = this.topics.resolve(segment);
    if (!type) throw new PlatformError(404, 'UNKNOWN_TOPIC', `no event type or topic named "${segment.slice(0, 200)}"`);
    if (!allows(principal.scopes, action, TopicDirectory.scopeNames(type))) {
      throw new PlatformError(403, 'FORBIDDEN', `the token lacks scope ${scopeFor(action, type.topic)}`, { required: scopeFor(action, type.topic) });
    }
    request.eventType = type;
  }
}
