/**
 * Resolves the `{topic}` path segment to its event type (404 when unknown) and checks the caller's
 * scopes for the route's action on it (403 when missing). The resolved type is left on the request.
 */
import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { EventTypeSpec } from '@platform/config';
import { PlatformError } from '@platform/contracts';
import { allows, EventAction, Principal, scopeFor } from '@platform/auth';
import { TopicDirectory } from '../events/topic-directory';

const REQUIRED_ACTION = 'ingest:required-action';

/** The action a route performs on its `{topic}`; checked against the token's scopes. */
export const RequireScope = (action: EventAction) => SetMetadata(REQUIRED_ACTION, action);

/** A request on a `{topic}` route once the guards ran: the principal, and the event type the segment names. */
export type TopicRequest<Query = Record<string, unknown>> = FastifyRequest<{ Params: Record<string, string>; Querystring: Query }> & {
  user?: Principal;
  eventType: EventTypeSpec;
};

@Injectable()
export class TopicScopeGuard implements CanActivate {
  private readonly actions = new WeakMap<object, EventAction>();

  constructor(private readonly reflector: Reflector, private readonly topics: TopicDirectory) {}

  canActivate(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let action = this.actions.get(handler);
    if (!action) {
      action = this.reflector.get<EventAction>(REQUIRED_ACTION, handler) ?? 'write';
      this.actions.set(handler, action);
    }
    const request = context.switchToHttp().getRequest<TopicRequest>();
    const segment = request.params.topic ?? '';
    const type = this.topics.resolve(segment);
    if (!type) throw new PlatformError(404, 'UNKNOWN_TOPIC', `no event type or topic named "${segment.slice(0, 200)}"`);
    if (!request.user || !allows(request.user.scopes, action, TopicDirectory.scopeNames(type))) {
      throw new PlatformError(403, 'FORBIDDEN', `the token lacks scope ${scopeFor(action, type.topic)}`, { required: scopeFor(action, type.topic) });
    }
    request.eventType = type;
    return true;
  }
}
