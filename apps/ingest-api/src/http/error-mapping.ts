/**
 * Maps anything thrown while serving a request to the one error format. PlatformError keeps its
 * code; NestJS HttpExceptions and Fastify's own errors (bad JSON, body too large, unsupported
 * media type, ...) get stable codes; anything else is a 500 with a generic message (the cause is
 * logged, never returned).
 */
import { HttpException } from '@nestjs/common';
import { PlatformError } from '@platform/contracts';

export interface MappedError {
  status: number;
  errorCode: string;
  message: string;
  details: Record<string, unknown> | null;
  retryAfterSeconds?: number;
}

const FASTIFY_CODES: Record<string, { errorCode: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { errorCode: 'INVALID_JSON', message: 'request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { errorCode: 'INVALID_JSON', message: 'request body is empty' },
  FST_ERR_CTP_BODY_TOO_LARGE: { errorCode: 'PAYLOAD_TOO_LARGE', message: 'request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { errorCode: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { errorCode: 'BAD_REQUEST', message: 'request body size did not match Content-Length' },
  FST_ERR_CTP_INVALID_TYPE: { errorCode: 'BAD_REQUEST', message: 'invalid content type' },
  FST_ERR_BAD_URL: { errorCode: 'BAD_REQUEST', message: 'malformed URL' },
  FST_ERR_MAX_PARAM_LENGTH: { errorCode: 'URI_TOO_LONG', message: 'a path segment is longer than 100 characters' },
  FST_ERR_ASYNC_CONSTRAINT: { errorCode: 'BAD_REQUEST', message: 'bad request' },
};

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  411: 'LENGTH_REQUIRED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

function codeForStatus(status: number): string {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}

function messageOf(response: unknown, fallback: string): string {
  if (typeof response === 'string') return response;
  if (response && typeof response === 'object') {
    const message = (response as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join('; ') || fallback;
  }
  return fallback;
}

export function mapError(error: unknown): MappedError {
  if (error instanceof PlatformError) {
    return { status: error.status, errorCode: error.errorCode, message: error.message, details: error.details, retryAfterSeconds: error.retryAfterSeconds };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) return internal();
    return { status, errorCode: codeForStatus(status), message: messageOf(error.getResponse(), error.message), details: null };
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && FASTIFY_CODES[code]) {
    const known = FASTIFY_CODES[code];
    const status = Number((error as { statusCode?: unknown }).statusCode) || 400;
    return { status, errorCode: known.errorCode, message: known.message, details: null };
  }
  // Other client errors raised by Fastify or Node carry a 4xx statusCode and a safe message.
  const statusCode = Number((error as { statusCode?: unknown })?.statusCode);
  if (Number.isInteger(statusCode) && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, errorCode: codeForStatus(statusCode), message: 'bad request', details: null };
  }
  return internal();
}

function internal(): MappedError {
  return { status: 500, errorCode: 'INTERNAL_ERROR', message: 'internal error', details: null };
}
