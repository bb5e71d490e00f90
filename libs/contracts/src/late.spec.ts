import fc from 'fast-check';
import { frame } from '@platform/schema';
import { buildDlqRecord, DlqSource } from './dlq';
import { decodeLateRecord, lateMessage } from './late';

const at = new Date('2026-03-01T12:00:00.000Z');

function source(over: Partial<DlqSource> = {}): DlqSource {
  return {
    topic: 'events.transaction',
    partition: 2,
    offset: '417',
    key: Buffer.from('u1'),
    value: frame(7, Buffer.from([2, 4, 6, 0xff])),
    headers: { event_id: 'e-1', trace_id: 't-1', event_type: 'transaction' },
    ...over,
  };
}

function late(s: DlqSource) {
  return buildDlqRecord(s, { type: 'LATE', message: 'event at 1 is later than the allowed lateness' }, { failedIn: 'processor', eventId: 'e-1', firstAttempt: at, lastAttempt: at });
}

describe('late records', () => {
  it('carry the source record unchanged: key, Confluent-framed value and headers, plus the reason in headers', () => {
    const s = source();
    const message = lateMessage(s, late(s));
    expect(message.value).toBe(s.value);
    expect(message.key).toBe(s.key);
    expect(message.headers).toEqual({
      event_id: 'e-1',
      trace_id: 't-1',
      event_type: 'transaction',
      error_type: 'LATE',
      error_message: 'event at 1 is later than the allowed lateness',
      retry_count: '0',
      first_attempt_time: '2026-03-01T12:00:00.000Z',
      last_attempt_time: '2026-03-01T12:00:00.000Z',
      source_topic: 'events.transaction',
      source_partition: '2',
      source_offset: '417',
      failed_in: 'processor',
    });
  });

  it('property: read back, a late record is the DLQ record of its source', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.option(fc.string({ minLength: 1 }), { nil: null }),
        fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !['__proto__', 'error_type', 'error_message', 'retry_count', 'first_attempt_time', 'last_attempt_time', 'source_topic', 'source_partition', 'source_offset', 'failed_in', 'event_id', 'trace_id'].includes(k)), fc.string()),
        fc.string({ minLength: 1, maxLength: 300 }),
        (schemaId, body, key, headers, reason) => {
          const s = source({ value: frame(schemaId, Buffer.from(body)), key: key === null ? null : Buffer.from(key), headers: { ...headers, event_id: 'e-1' } });
          const record = buildDlqRecord(s, { type: 'LATE', message: reason }, { failedIn: 'processor', firstAttempt: at, lastAttempt: at });
          const message = lateMessage(s, record);
          expect(decodeLateRecord(message)).toEqual(record);
        },
      ),
    );
  });

  it('refuses to build one from a value that is not Confluent-framed', () => {
    const json = source({ value: Buffer.from('{"k":"e"}') });
    expect(() => lateMessage(json, late(json))).toThrow(/Confluent-framed.*magic byte/);
    const none = source({ value: null });
    expect(() => lateMessage(none, late(none))).toThrow(/no value/);
  });

  it('refuses to read records that are not late records', () => {
    const message = lateMessage(source(), late(source()));
    expect(() => decodeLateRecord({ ...message, value: Buffer.from('{"original_message":""}') })).toThrow(/not a late record.*magic byte/);
    const { error_type: _, ...noType } = message.headers;
    expect(() => decodeLateRecord({ ...message, headers: noType })).toThrow(/no error_type/);
    expect(() => decodeLateRecord({ ...message, headers: { ...message.headers, source_partition: 'x' } })).toThrow(/not an integer/);
  });

  // Magic byte 0, schema id 1 (big-endian), one body byte 0x01: written out by hand.
  const FRAMED = Buffer.from([0, 0, 0, 0, 1, 1]);

  it('reads a late record with only the required headers, defaults filled in, other headers kept as the original ones', () => {
    const headers = { error_type: 'LATE', source_topic: 't', source_offset: '5', source_partition: '0', x: 'y' };
    expect(decodeLateRecord({ key: 'k', value: FRAMED, headers })).toEqual({
      original_message: 'AAAAAAEB',
      original_key: 'k',
      original_headers: { x: 'y' },
      error_type: 'LATE',
      error_message: '',
      retry_count: 0,
      first_attempt_time: '',
      last_attempt_time: '',
      source_topic: 't',
      source_partition: 0,
      source_offset: '5',
      event_id: null,
      trace_id: null,
      failed_in: '',
    });
    const withTimes = decodeLateRecord({ key: null, value: FRAMED, headers: { ...headers, last_attempt_time: '2026-03-01T12:00:00.000Z', retry_count: '3' } });
    expect(withTimes).toMatchObject({ original_key: null, first_attempt_time: '2026-03-01T12:00:00.000Z', last_attempt_time: '2026-03-01T12:00:00.000Z', retry_count: 3 });
    expect(decodeLateRecord({ key: Buffer.from('ü', 'utf8'), value: FRAMED, headers }).original_key).toBe('ü');
  });

  it('refuses a late record missing its topic or offset header, or with a retry count that is not an integer', () => {
    const headers = { error_type: 'LATE', source_topic: 't', source_offset: '5', source_partition: '0' };
    expect(() => decodeLateRecord({ key: null, value: FRAMED, headers: { ...headers, source_topic: '' } })).toThrow(/no error_type, source_topic or source_offset/);
    expect(() => decodeLateRecord({ key: null, value: FRAMED, headers: { ...headers, source_offset: '' } })).toThrow(/no error_type, source_topic or source_offset/);
    expect(() => decodeLateRecord({ key: null, value: FRAMED, headers: { ...headers, retry_count: '1.5' } })).toThrow(/not an integer/);
    expect(() => decodeLateRecord({ key: null, value: null, headers })).toThrow('not a late record: no value');
  });

  it("puts the record's event and trace ids into headers when the source had none, and no empty id headers", () => {
    const bare = source({ headers: {} });
    const withIds = { ...late(bare), event_id: 'e-9', trace_id: 't-9' };
    expect(lateMessage(bare, withIds).headers).toMatchObject({ event_id: 'e-9', trace_id: 't-9' });
    const headers = lateMessage(bare, { ...withIds, event_id: null, trace_id: null }).headers;
    expect(Object.keys(headers)).not.toContain('event_id');
    expect(Object.keys(headers)).not.toContain('trace_id');
  });
});
