import { readFileSync } from 'fs';
import { join } from 'path';
import { PipelineConfig } from '@platform/runtime';
import { ReferenceTable } from '../processing';
import { parseAvroSchema, RegistryError, RegistryUnavailableError, SchemaCatalog } from '@platform/schema';
import { transactionSpec } from '../transaction-spec.fixture';
import { RecordValidator } from './validator';

const spec = transactionSpec;
const text = readFileSync(join(__dirname, '../../../../schemas/transaction.avsc'), 'utf8');
const type = parseAvroSchema(text);

/** A catalog on a fake registry: schema 7 is the transaction schema; other ids fail as `failure` says. */
function fakeCatalog(failure: Error = new RegistryError('not found', 404, 40403), cached = false): SchemaCatalog {
  let asked = false;
  const registry = {
    register: async () => 7,
    schemaById: async (id: number) => {
      if (id === 7 && !(cached && asked)) return text;
      throw failure;
    },
  };
  const catalog = new SchemaCatalog(registry, {} as PipelineConfig);
  if (cached) {
    // Warm the cache, then any further registry call fails.
    void catalog.writerSchema(7).then(() => (asked = true));
  }
  return catalog;
}

function reference(): ReferenceTable {
  const table = new ReferenceTable();
  table.apply('symbols:AAPL', JSON.stringify('Technology'));
  return table;
}

function framed(schemaId: number, value: Record<string, unknown>): Buffer {
  const body = type.toBuffer(value);
  const header = Buffer.from([0, 0, 0, 0, 0]);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

const trade = {
  event_id: 'evt-1',
  timestamp: 1_772_546_400_000,
  event_type: 'transaction',
  user_id: 'u1',
  device_id: null,
  trace_id: 'trace-1',
  metadata: null,
  payload: { symbol: 'AAPL', side: 'BUY', quantity: 2, amount: 12.5, currency: 'USD' },
};

/** Event-time skew is tested in the stage A e2e test; these cases are about decoding and rules. */
const NO_SKEW_BOUND = Number.POSITIVE_INFINITY;

describe('RecordValidator (schema catalog on a fake registry)', () => {
  const validator = new RecordValidator(spec, fakeCatalog(), reference(), NO_SKEW_BOUND);

  it('passes a valid trade on, enriched with its sector', async () => {
    const decision = await validator.decide(framed(7, trade), 'events.transaction-3');
    expect(decision.kind).toBe('event');
    if (decision.kind !== 'event') return;
    expect(decision.traceId).toBe('trace-1');
    expect(decision.event).toMatchObject({
      eventId: 'evt-1',
      eventType: 'transaction',
      timestamp: 1_772_546_400_000,
      userId: 'u1',
      payload: { amount: 12.5, sector: 'Technology' },
    });
    const cached = await new RecordValidator(
      spec,
      fakeCatalog(new Error('registry must not be asked'), true),
      reference(),
      NO_SKEW_BOUND,
    ).decide(framed(7, trade), 's');
    expect(cached.kind).toBe('event');
  });

  it('sends records that cannot be read to the DLQ as DESERIALIZATION, with the reason', async () => {
    expect(await validator.decide(null, 's')).toEqual({
      kind: 'dlq',
      type: 'DESERIALIZATION',
      message: 'record has no value',
      eventId: null,
      traceId: null,
      eventTime: NaN,
    });
    expect(await validator.decide(Buffer.from([0, 0, 0]), 's')).toEqual({
      kind: 'dlq',
      type: 'DESERIALIZATION',
      message: 'record of 3 bytes is too short for the Confluent wire format',
      eventId: null,
      traceId: null,
      eventTime: NaN,
    });
    expect(await validator.decide(Buffer.from([1, 0, 0, 0, 7, 0]), 's')).toEqual({
      kind: 'dlq',
      type: 'DESERIALIZATION',
      message: 'unknown magic byte 1; expected 0 (Confluent wire format)',
      eventId: null,
      traceId: null,
      eventTime: NaN,
    });
    expect(await validator.decide(framed(7, trade).subarray(0, 12), 's')).toMatchObject({
      kind: 'dlq',
      type: 'DESERIALIZATION',
      eventId: null,
    });
    const truncated = await validator.decide(framed(7, trade).subarray(0, 12), 's');
    expect(truncated.kind === 'dlq' && truncated.message.startsWith('cannot decode with schema 7: ')).toBe(true);
  });

  it('sends a record with a schema id the registry does not know to the DLQ, but fails on a registry outage', async () => {
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 99]), type.toBuffer(trade)]);
    expect(await validator.decide(bytes, 's')).toEqual({
      kind: 'dlq',
      type: 'DESERIALIZATION',
      message: 'unknown schema id 99 (the registry does not know it)',
      eventId: null,
      traceId: null,
      eventTime: NaN,
    });
    expect(
      await new RecordValidator(spec, fakeCatalog(new RegistryError('bad', 422)), reference(), NO_SKEW_BOUND).decide(bytes, 's'),
    ).toMatchObject({ kind: 'dlq' });
    expect(
      await new RecordValidator(spec, fakeCatalog(new RegistryError('bad request', 400)), reference(), NO_SKEW_BOUND).decide(bytes, 's'),
    ).toMatchObject({ kind: 'dlq' });
    await expect(
      new RecordValidator(spec, fakeCatalog(new RegistryError('unavailable', 503)), reference(), NO_SKEW_BOUND).decide(bytes, 's'),
    ).rejects.toThrow('unavailable');
    await expect(
      new RecordValidator(spec, fakeCatalog(new RegistryError('redirect', 399)), reference(), NO_SKEW_BOUND).decide(bytes, 's'),
    ).rejects.toThrow('redirect');
    await expect(
      new RecordValidator(spec, fakeCatalog(new RegistryError('unauthorized', 401)), reference(), NO_SKEW_BOUND).decide(bytes, 's'),
    ).rejects.toThrow(RegistryUnavailableError);
    await expect(
      new RecordValidator(spec, fakeCatalog(new RegistryError('odd', 500)), reference(), NO_SKEW_BOUND).decide(bytes, 's'),
    ).rejects.toThrow('odd');
    await expect(
      new RecordValidator(spec, fakeCatalog(new Error('connection refused')), reference(), NO_SKEW_BOUND).decide(bytes, 's'),
    ).rejects.toThrow('connection refused');
  });

  it('sends another event type to the DLQ as UNKNOWN_EVENT_TYPE, keeping the ids', async () => {
    expect(await validator.decide(framed(7, { ...trade, event_type: 'clickstream' }), 's')).toEqual({
      kind: 'dlq',
      type: 'UNKNOWN_EVENT_TYPE',
      message: 'event_type "clickstream" does not belong on topic events.transaction (expects transaction)',
      eventId: 'evt-1',
      traceId: 'trace-1',
      eventTime: trade.timestamp,
    });
  });

  it('sends a broken business rule to the DLQ as BUSINESS_RULE, with the rule', async () => {
    expect(await validator.decide(framed(7, { ...trade, trace_id: null, payload: { ...trade.payload, amount: 0 } }), 's')).toEqual({
      kind: 'dlq',
      type: 'BUSINESS_RULE',
      message: 'amount 0 must be > 0',
      eventId: 'evt-1',
      traceId: null,
      eventTime: trade.timestamp,
    });
    expect(await validator.decide(framed(7, { ...trade, payload: { ...trade.payload, symbol: 'ZZZ' } }), 's')).toMatchObject({
      type: 'BUSINESS_RULE',
      message: 'symbol "ZZZ" is not in reference table symbols',
    });
  });

  it('does not enrich when the type has nothing to enrich', async () => {
    const plain = new RecordValidator({ ...spec, enrich: [], rules: [] }, fakeCatalog(), reference(), NO_SKEW_BOUND);
    const decision = await plain.decide(framed(7, trade), 's');
    expect(decision.kind === 'event' && decision.event.payload).not.toHaveProperty('sector');
  });

  it('sends an event further ahead of the (fake) clock than the skew bound to the DLQ as EVENT_TIME_SKEW; at the bound it passes', async () => {
    const at = (now: number) => new RecordValidator(spec, fakeCatalog(), reference(), 60_000, () => now);
    expect((await at(trade.timestamp - 60_000).decide(framed(7, trade), 's')).kind).toBe('event');
    expect(await at(trade.timestamp - 60_001).decide(framed(7, trade), 's')).toEqual({
      kind: 'dlq',
      type: 'EVENT_TIME_SKEW',
      message:
        'event time 2026-03-03T14:00:00.000Z is more than EVENT_TIME_MAX_FUTURE_SKEW (60000 ms) ahead of the processing time 2026-03-03T13:58:59.999Z',
      eventId: 'evt-1',
      traceId: 'trace-1',
      eventTime: trade.timestamp,
    });
  });

  it('reports an empty event id as none', async () => {
    expect(await validator.decide(framed(7, { ...trade, event_id: '', payload: { ...trade.payload, amount: 0 } }), 's')).toMatchObject({
      type: 'BUSINESS_RULE',
      eventId: null,
    });
  });
});
