/**
 * OpenAPI: the document at /docs-json and Swagger UI at /docs. @fastify/static (which
 * SwaggerModule.setup needs on Fastify) is not installed, so the UI's few files are served from
 * swagger-ui-dist directly.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import type { INestApplication } from '@nestjs/common';
import type { FastifyServer } from './http-hooks';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { errorBody } from '@platform/contracts';

const UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Ingest API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;

/** The page's own script, served as a file so the Content-Security-Policy needs no inline script. */
const INIT = `window.ui = SwaggerUIBundle({ url: '/docs-json', dom_id: '#ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });\n`;

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Ingest API')
    .setDescription(
      'Front door of the event platform: publish events (validated against their Avro schema), read the latest events, ' +
        'stream a topic over WebSocket (WS /api/v1/stream/{topic}?access_token=&event_type=&key=&from=0:123,1:456). ' +
        'Errors always have the shape {error_code, message, details, timestamp, request_id}.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

export function serveDocs(fastify: FastifyServer, document: () => OpenAPIObject): void {
  let uiDir: string | undefined;
  try {
    uiDir = require('swagger-ui-dist').getAbsoluteFSPath();
  } catch {
    uiDir = undefined;
  }
  fastify.get('/docs-json', (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(document());
  });
  if (!uiDir) return;
  const files = new Map(Object.entries(UI_FILES).map(([name, type]) => [name, { type, body: readFileSync(join(uiDir!, name)) }]));
  files.set('init.js', { type: 'application/javascript; charset=utf-8', body: Buffer.from(INIT) });
  fastify.get('/docs', (_request, reply) => {
    void reply.type('text/html; charset=utf-8').send(PAGE);
  });
  fastify.get('/docs/:file', (request, reply) => {
    const file = files.get((request.params as { file: string }).file);
    if (!file) {
      void reply.code(404).type('application/json; charset=utf-8').send(errorBody({ errorCode: 'NOT_FOUND', message: 'no such file' }, request.id));
      return;
    }
    void reply.type(file.type).send(file.body);
  });
}
