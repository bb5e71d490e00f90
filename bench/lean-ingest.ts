/**
 * A measuring reference, not product: the least an ingest server on the API's own stack (Node.js,
 * Fastify 5, the project's patched kafkajs, avsc, jsonwebtoken) must do per event while keeping the
 * API's guarantees, so bench/ingest.ts can report the API's rate as a share of what the stack allows.
 * Per request: HS256 JWT (verified once per token, then cached until its exp) with per-topic scopes,
 * a per-subject fixed-window counter, Avro validation refusing unknown fields, idempotency by
 * event_id (in memory), Confluent framing, the idempotent producer with acks=all, and a 201/207 naming
 * partition and offset only after the broker's ack; refusals in the API's error format.
 * No NestJS, no request ids, security headers, metrics or logging.
 *   LEAN_PORT JWT_SECRET KAFKA_BROKERS LEAN_TOPIC LEAN_EVENT_TYPE LEAN_PARTITION_KEY LEAN_PARTITIONS
 *   LEAN_SCHEMA_ID LEAN_SCHEMA (the .avsc JSON)  node -r ./scripts/register.js bench/lean-ingest.ts
 */
import { randomUUID } from 'crypto';
import Fastify, { FastifyReply } from 'fastify';
import { Type } from 'avsc';
import { verify } from 'jsonwebtoken';
import { errorBody } from '@platform/contracts';
import { BatchingProducer, createIdempotentProducer, createKafka, partitionForKey, RecordAck } from '@platform/kafka';
import type { StoredResult } from '../apps/ingest-api/src/idempotency/idempotency-store';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const topic = env('LEAN_TOPIC');
const eventType = env('LEAN_EVENT_TYPE');
const partitionKey = env('LEAN_PARTITION_KEY');
const partitions = Number(env('LEAN_PARTITIONS'));
const schemaId = Number(env('LEAN_SCHEMA_ID'));
const type = Type.forSchema(JSON.parse(env('LEAN_SCHEMA')), { wrapUnions: 'auto' } as never);
const secret = env('JWT_SECRET');

/** The answer for one written event: the API's own shape. */
type Stored = StoredResult;
class Refusal extends Error {
  constructor(readonly status: number, readonly errorCode: string, message: string) {
    super(message);
  }
}

// Tokens verified once, then served from memory until their exp.
const tokens = new Map<string, { subject: string; scopes: Set<string>; exp: number }>();
function principal(header: string | undefined): { subject: string; scopes: Set<string> } {
  if (!header?.startsWith('Bearer ')) throw new Refusal(401, 'UNAUTHORIZED', 'missing bearer token');
  const token = header.slice(7);
  const cached = tokens.get(token);
  if (cached && cached.exp > Date.now()) return cached;
  let claims: { sub?: string; scope?: string; exp?: number };
  try {
    claims = verify(token, secret, { algorithms: ['HS256'] }) as typeof claims;
  } catch {
    throw new Refusal(401, 'UNAUTHORIZED', 'invalid token');
  }
  const entry = { subject: String(claims.sub), scopes: new Set(String(claims.scope ?? '').split(' ')), exp: (claims.exp ?? 0) * 1000 };
  tokens.set(token, entry);
  return entry;
}

// Per-subject fixed one-second windows.
const windows = new Map<string, { endsAt: number; hits: number }>();
function count(subject: string): void {
  const now = Date.now();
  let window = windows.get(subject);
  if (!window || window.endsAt <= now) windows.set(subject, (window = { endsAt: now + 1000, hits: 0 }));
  if (++window.hits > 1e8) throw new Refusal(429, 'RATE_LIMITED', 'too many requests; slow down');
}

function authorize(header: string | undefined, segment: string): void {
  const who = principal(header);
  count(who.subject);
  if (segment !== topic && segment !== eventType) throw new Refusal(404, 'UNKNOWN_TOPIC', `no event type or topic named "${segment}"`);
  const s = who.scopes;
  if (!(s.has('admin') || s.has('events:*') || s.has('events:write:*') || s.has(`events:write:${topic}`) || s.has(`events:write:${eventType}`))) {
    throw new Refusal(403, 'FORBIDDEN', `the token lacks scope events:write:${topic}`);
  }
}

interface Prepared {
  eventId: string;
  key: string;
  partition: number;
  timestamp: number;
  traceId: string;
  value: Buffer;
}
function prepare(input: unknown): Prepared {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Refusal(400, 'INVALID_EVENT', 'an event must be a JSON object');
  const event = input as Record<string, unknown>;
  if (event.trace_id === undefined || event.trace_id === null) event.trace_id = randomUUID().replace(/-/g, '');
  if (!type.isValid(event, { noUndeclaredFields: true })) throw new Refusal(400, 'SCHEMA_VALIDATION_FAILED', `event does not match the ${eventType} schema`);
  if (event.event_type !== eventType) throw new Refusal(400, 'EVENT_TYPE_MISMATCH', `event_type must be "${eventType}" on topic ${topic}`);
  const key = event[partitionKey];
  if (typeof key !== 'string' || key.length === 0) throw new Refusal(400, 'MISSING_PARTITION_KEY', `${partitionKey} is required`);
  const body = type.toBuffer(event);
  const value = Buffer.allocUnsafe(5 + body.length);
  value[0] = 0;
  value.writeUInt32BE(schemaId, 1);
  body.copy(value, 5);
  return { eventId: event.event_id as string, key, partition: partitionForKey(key, partitions), timestamp: event.timestamp as number, traceId: event.trace_id as string, value };
}

const kafka = createKafka({ brokers: env('KAFKA_BROKERS').split(','), clientId: 'lean-ingest' });
const producer = createIdempotentProducer(kafka);
const batching = new BatchingProducer(producer, { maxBatchRecords: 5000, maxBatchBytes: 900 * 1024 });

// Idempotency by event id: the first write's answer (or its promise while in flight).
const seen = new Map<string, Stored | Promise<Stored>>();

async function write(events: Prepared[]): Promise<Array<Stored | Error>> {
  const acks = await batching.sendMany(
    events.map((e) => ({ topic, partition: e.partition, key: e.key, value: e.value, headers: { trace_id: e.traceId, event_id: e.eventId, event_type: eventType } })),
  );
  return acks.map((ack, i) =>
    ack instanceof Error
      ? ack
      : { status: 'published', event_id: events[i].eventId, topic, partition: (ack as RecordAck).partition, offset: Number((ack as RecordAck).offset), timestamp: new Date(events[i].timestamp).toISOString() },
  );
}

function publishOne(event: Prepared): Stored | Promise<Stored> {
  const known = seen.get(event.eventId);
  if (known) return known;
  const pending = write([event]).then(([result]) => {
    if (result instanceof Error) {
      seen.delete(event.eventId);
      throw new Refusal(503, 'SERVICE_UNAVAILABLE', 'Kafka is unavailable; the event was not written');
    }
    seen.set(event.eventId, result);
    return result;
  });
  seen.set(event.eventId, pending);
  return pending;
}

function refuse(reply: FastifyReply, error: unknown): FastifyReply {
  const refusal = error instanceof Refusal ? error : new Refusal(500, 'INTERNAL_ERROR', 'internal error');
  return reply.code(refusal.status).send(errorBody({ errorCode: refusal.errorCode, message: refusal.message, details: null }, String(reply.request.id)));
}

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.get('/ready', async () => ({ status: 'ready' }));
app.post<{ Params: { topic: string } }>('/api/v1/events/:topic', async (request, reply) => {
  try {
    authorize(request.headers.authorization, request.params.topic);
    const event = prepare(request.body);
    const known = seen.get(event.eventId);
    const result = await publishOne(event);
    return known ? reply.code(200).send({ ...result, duplicate: true }) : reply.code(201).send(result);
  } catch (error) {
    return refuse(reply, error);
  }
});
app.post<{ Params: { topic: string }; Body: { events?: unknown[] } }>('/api/v1/events/:topic/batch', { bodyLimit: 16 * 1024 * 1024 }, async (request, reply) => {
  try {
    authorize(request.headers.authorization, request.params.topic);
    const events = request.body?.events;
    if (!Array.isArray(events) || events.length === 0) throw new Refusal(400, 'INVALID_BATCH', 'the body must be {"events": [...]}');
    const results: Array<Record<string, unknown>> = new Array(events.length);
    const fresh: Prepared[] = [];
    const slots: number[] = [];
    for (let i = 0; i < events.length; i++) {
      try {
        const event = prepare(events[i]);
        const known = seen.get(event.eventId);
        if (known) results[i] = { index: i, ...(await known), duplicate: true };
        else {
          fresh.push(event);
          slots.push(i);
        }
      } catch (error) {
        const refusal = error as Refusal;
        results[i] = { index: i, status: 'rejected', event_id: null, error_code: refusal.errorCode, message: refusal.message, details: null };
      }
    }
    const written = await write(fresh);
    let rejected = 0;
    for (let n = 0; n < written.length; n++) {
      const result = written[n];
      if (result instanceof Error) throw new Refusal(503, 'SERVICE_UNAVAILABLE', 'Kafka is unavailable; retry the batch');
      seen.set(result.event_id, result);
      results[slots[n]] = { index: slots[n], ...result };
    }
    for (const r of results) if (r.status === 'rejected') rejected++;
    return reply.code(rejected > 0 ? 207 : 201).send({ results, accepted: written.length, duplicates: events.length - written.length - rejected, rejected });
  } catch (error) {
    return refuse(reply, error);
  }
});

void (async () => {
  await producer.connect();
  await app.listen({ port: Number(env('LEAN_PORT')), host: '127.0.0.1' });
  const stop = () => void app.close().then(() => batching.close()).then(() => producer.disconnect()).then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})();
