/**
 * The class decorator of a controller whose routes take a `{topic}`: the path, the OpenAPI tag and
 * bearer auth, the answers every such route may give (401, 403, 404, 429, 503), and the one guard
 * (TopicAccessGuard) that leaves the principal and the event type on the request. With `access`, every
 * route of the controller requires it (a route may still say its own with RequireScope).
 */
import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope, TopicAccessGuard } from '../auth/topic-access.guard';
import { TopicAccess } from '../auth/topic-access';
import { ErrorResponse } from '../events/api-models';

export interface TopicControllerOptions {
  path: string;
  tag: string;
  access?: TopicAccess;
  /** What the 403, 404 and 503 answers mean on these routes (for the OpenAPI document). */
  forbidden: string;
  notFound: string;
  unavailable: string;
}

export function TopicController(options: TopicControllerOptions): ClassDecorator {
  return applyDecorators(
    ApiTags(options.tag),
    ApiBearerAuth(),
    ApiResponse({ status: 401, type: ErrorResponse, description: 'Missing, malformed, expired or wrongly signed token' }),
    ApiResponse({ status: 403, type: ErrorResponse, description: options.forbidden }),
    ApiResponse({ status: 404, type: ErrorResponse, description: options.notFound }),
    ApiResponse({ status: 429, type: ErrorResponse, description: 'Rate limited (Retry-After)' }),
    ApiResponse({ status: 503, type: ErrorResponse, description: options.unavailable }),
    Controller(options.path),
    UseGuards(TopicAccessGuard),
    ...(options.access ? [RequireScope(options.access)] : []),
  );
}
