/**
 * Confluent's media types: requests may be sent as application/vnd.schemaregistry.v1+json,
 * application/vnd.schemaregistry+json, application/json or application/octet-stream (all parsed as
 * JSON); registry answers are application/vnd.schemaregistry.v1+json.
 */
import { FastifyInstance } from 'fastify';

export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const JSON_TYPES = [
  'application/json',
  'application/vnd.schemaregistry.v1+json',
  'application/vnd.schemaregistry+json',
  'application/octet-stream',
];

/** Thrown for a body that is not JSON; the exception filter answers it as 400. */
export class BodyNotJsonError extends Error {
  readonly statusCode = 400;
}

/** JSON bodies; an empty body is no body (clients send the content type on DELETE too). */
function parseJsonBody(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new BodyNotJsonError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}
/** Paths whose answers keep their own content type (metrics text, health JSON). */
const OPS_PATHS = /^\/(metrics|health)(\/|\?|$)/;

export function installRegistryContentTypes(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json') && !OPS_PATHS.test(request.url)) {
      reply.header('content-type', REGISTRY_CONTENT_TYPE);
    }
    return payload;
  });
}
