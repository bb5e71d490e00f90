/**
 * The console's read endpoints (and its one schema write), under /api/v1/console with the API's
 * authentication, throttling and error format. Overview, topics and schemas need `admin:console`
 * (or `admin`, `admin:*`); a dead letter in full `admin:dlq`; registering a schema `admin:schemas`.
 * `session` tells the page what the token may do, so it shows only what the token allows.
 */
import { Body, Controller, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PipelineConfig } from '@platform/runtime';
import { PlatformError } from '@platform/contracts';
import { allows, allowsAdmin, allowsAggregates, Principal } from '@platform/auth';
import { Inject } from '@nestjs/common';
import { AuthenticatedAccessGuard } from '../auth/authenticated-access.guard';
import { AdminAccessGuard, AdminArea } from '../auth/admin-access.guard';
import { ErrorResponse } from '../events/api-models';
import { ConsoleService } from './console.service';
import { ConsoleDlq } from './console-dlq';
import { RegistryBrowser } from './registry-browser';
import { CONSOLE_PIPELINE, CONSOLE_REGISTRY_BROWSER } from './console.tokens';

const SUBJECT = /^[A-Za-z0-9._-]{1,255}$/;
const MAX_SCHEMA_CHARS = 256 * 1024;

function subjectParam(subject: string): string {
  if (!SUBJECT.test(subject))
    throw new PlatformError(400, 'INVALID_REQUEST', 'subject must be 1 to 255 letters, digits, dots, dashes or underscores', {
      parameter: 'subject',
    });
  return subject;
}

function versionParam(version: string): number {
  if (!/^\d{1,9}$/.test(version) || Number(version) < 1)
    throw new PlatformError(400, 'INVALID_REQUEST', 'version must be a positive integer', { parameter: 'version' });
  return Number(version);
}

/** `{"schema": "<Avro schema as JSON text>"}`; the text must parse as JSON. */
function schemaBody(body: unknown): string {
  const schema = (body as { schema?: unknown } | null)?.schema;
  if (typeof schema !== 'string' || schema.length === 0 || schema.length > MAX_SCHEMA_CHARS) {
    throw new PlatformError(
      400,
      'INVALID_REQUEST',
      `body must be {"schema": "<Avro schema JSON>"} of at most ${MAX_SCHEMA_CHARS} characters`,
      { field: 'schema' },
    );
  }
  try {
    JSON.parse(schema);
  } catch {
    throw new PlatformError(400, 'INVALID_SCHEMA', 'schema is not valid JSON', { field: 'schema' });
  }
  return schema;
}

const SCHEMA_BODY = {
  schema: { type: 'object', required: ['schema'], properties: { schema: { type: 'string', description: 'Avro schema as JSON text' } } },
};

@ApiTags('console')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorResponse })
@Controller('api/v1/console')
@UseGuards(AuthenticatedAccessGuard)
export class ConsoleSessionController {
  constructor(@Inject(CONSOLE_PIPELINE) private readonly pipeline: PipelineConfig) {}

  @Get('session')
  @ApiOperation({ summary: 'What the token may do in the console: its subject, scopes and the areas it can use' })
  session(@Req() request: { user: Principal }) {
    const scopes = request.user.scopes;
    const topics = this.pipeline.eventTypes.map((t) => ({
      topic: t.topic,
      event_type: t.name,
      read: allows(scopes, 'read', [t.topic, t.name]),
      aggregates: allowsAggregates(scopes, [t.topic, t.name]),
    }));
    return {
      subject: request.user.subject,
      scopes: [...scopes].sort(),
      can: { console: allowsAdmin(scopes, 'console'), dlq: allowsAdmin(scopes, 'dlq'), register_schemas: allowsAdmin(scopes, 'schemas') },
      topics,
      aggregated_topic: this.pipeline.topics.aggregated.name,
      windows: this.pipeline.windows.map((w) => w.name),
    };
  }
}

@ApiTags('console')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorResponse })
@ApiResponse({ status: 403, type: ErrorResponse, description: 'Token lacks admin:console (admin:dlq, admin:schemas where stated)' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'Kafka or the schema registry unavailable' })
@Controller('api/v1/console')
@AdminArea('console')
@UseGuards(AdminAccessGuard)
export class ConsoleController {
  constructor(
    private readonly console: ConsoleService,
    private readonly dlq: ConsoleDlq,
    @Inject(CONSOLE_REGISTRY_BROWSER) private readonly registry: RegistryBrowser,
  ) {}

  @Get('overview')
  @ApiOperation({ summary: 'Stage health, end offsets, consumer lag per group, watermark lag, and per-second rates over the last hour' })
  overview() {
    return this.console.overview();
  }

  @Get('topics')
  @ApiOperation({ summary: "Every topic of the pipeline with its partitions' first and end offsets" })
  async topics() {
    return { topics: await this.console.topics() };
  }

  @Get('schemas')
  @ApiOperation({ summary: 'Schema registry subjects with their versions and compatibility level' })
  async subjects() {
    return { subjects: await this.registry.subjects() };
  }

  @Get('schemas/:subject/versions/:version')
  @ApiParam({ name: 'subject' })
  @ApiParam({ name: 'version' })
  @ApiOperation({ summary: 'One version of a subject: id and schema text' })
  version(@Param('subject') subject: string, @Param('version') version: string) {
    return this.registry.version(subjectParam(subject), versionParam(version));
  }

  @Post('schemas/:subject/compatibility')
  @HttpCode(200)
  @ApiParam({ name: 'subject' })
  @ApiBody(SCHEMA_BODY)
  @ApiOperation({ summary: "Would this schema be accepted as the subject's next version? (the registry's verdict and reasons)" })
  check(@Param('subject') subject: string, @Body() body: unknown) {
    return this.registry.check(subjectParam(subject), schemaBody(body));
  }

  @Post('schemas/:subject/versions')
  @HttpCode(200)
  @AdminArea('schemas')
  @ApiParam({ name: 'subject' })
  @ApiBody(SCHEMA_BODY)
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'Not compatible with the latest version (the verdict is in details)' })
  @ApiOperation({ summary: 'Register a new version after the compatibility check passes; requires admin:schemas' })
  async register(@Param('subject') subject: string, @Body() body: unknown) {
    const name = subjectParam(subject);
    const schema = schemaBody(body);
    const verdict = await this.registry.check(name, schema);
    if (!verdict.is_compatible)
      throw new PlatformError(409, 'SCHEMA_INCOMPATIBLE', 'the schema is not compatible with the latest version', { verdict });
    const { id } = await this.registry.register(name, schema);
    return { subject: name, id, verdict };
  }

  @Get('dlq/:id')
  @AdminArea('dlq')
  @ApiParam({ name: 'id', description: '"<dlq partition>:<dlq offset>" as listed by GET /api/v1/admin/dlq' })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiOperation({ summary: 'One dead letter in full with its original message decoded; requires admin:dlq' })
  deadLetter(@Param('id') id: string) {
    return this.dlq.inspect(id);
  }
}
