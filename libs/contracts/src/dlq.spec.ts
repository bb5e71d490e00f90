import { buildDlqRecord, decodeDlqRecord, DlqRecord, dlqMessage, encodeDlqRecord } from './dlq';

const source = {
  topic: 'events.transaction',
  partition: 2,
  offset: '1234',
  key: Buffer.from('user-7'),
  value: Buffer.from([0, 0, 0, 0, 5, 0x02, 0xff]),
  headers: { event_id: 'evt-from-header', trace_id: 'trace-from-header', other: 'x' },
};

describe('buildDlqRecord', () => {
  it('records the original bytes, key, headers, the failure and both attempt times', () => {
    const record = buildDlqRecord(source, { type: 'BUSINESS_RULE', message: 'amount must be positive' }, {
      failedIn: 'processor',
      retryCount: 3,
      firstAttempt: new Date('2026-03-01T10:00:00.000Z'),
      lastAttempt: new Date('2026-03-01T10:00:07.250Z'),
      eventId: 'evt-1',
      traceId: 'trace-1',
    });
    expect(record).toEqual({
      original_message: 'AAAAAAUC/w==',
      original_key: 'user-7',
      original_headers: { event_id: 'evt-from-header', trace_id: 'trace-from-header', other: 'x' },
      error_type: 'BUSINESS_RULE',
      error_message: 'amount must be positive',
      retry_count: 3,
      first_attempt_time: '2026-03-01T10:00:00.000Z',
      last_attempt_time: '2026-03-01T10:00:07.250Z',
      source_topic: 'events.transaction',
      source_partition: 2,
      source_offset: '1234',
      event_id: 'evt-1',
      trace_id: 'trace-1',
      failed_in: 'processor',
    });
  });

  it('takes the event and trace ids from the headers when not given, and the first attempt is the last when not given', () => {
    const record = buildDlqRecord(source, { type: 'SINK_WRITE', message: 'm' }, { failedIn: 'sink', lastAttempt: new Date('2026-03-01T12:00:00Z') });
    expect(record).toMatchObject({
      retry_count: 0,
      first_attempt_time: '2026-03-01T12:00:00.000Z',
      last_attempt_time: '2026-03-01T12:00:00.000Z',
      event_id: 'evt-from-header',
      trace_id: 'trace-from-header',
      failed_in: 'sink',
    });
  });

  it('has null ids, key and an empty message when the record had none', () => {
    const record = buildDlqRecord({ ...source, key: null, value: null, headers: {} }, { type: 'DESERIALIZATION', message: 'not framed' }, { failedIn: 'processor', lastAttempt: new Date(0) });
    expect(record).toMatchObject({ original_message: '', original_key: null, original_headers: {}, event_id: null, trace_id: null, first_attempt_time: '1970-01-01T00:00:00.000Z' });
    const explicitNull = buildDlqRecord(source, { type: 'LATE', message: 'late' }, { failedIn: 'processor', lastAttempt: new Date(0), eventId: null, traceId: null });
    expect(explicitNull).toMatchObject({ event_id: 'evt-from-header', trace_id: 'trace-from-header' });
  });

  it('uses the current time as the last attempt when none is given', () => {
    jest.useFakeTimers({ now: new Date('2026-04-02T03:04:05.678Z') });
    try {
      const record = buildDlqRecord(source, { type: 'PROCESSING', message: 'm' }, { failedIn: 'processor' });
      expect([record.first_attempt_time, record.last_attempt_time]).toEqual(['2026-04-02T03:04:05.678Z', '2026-04-02T03:04:05.678Z']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('cuts the error message at 2000 characters', () => {
    const record = buildDlqRecord(source, { type: 'PROCESSING', message: 'x'.repeat(1999) + 'yz' + 'w'.repeat(10) }, { failedIn: 'sink', lastAttempt: new Date(0) });
    expect(record.error_message).toBe('x'.repeat(1999) + 'y');
  });
});

describe('dlqMessage and the JSON encoding', () => {
  const record: DlqRecord = {
    original_message: 'b3JpZ2luYWw=',
    original_key: 'k',
    original_headers: {},
    error_type: 'LATE',
    error_message: 'late by 5 s',
    retry_count: 0,
    first_attempt_time: '2026-03-01T10:00:00.000Z',
    last_attempt_time: '2026-03-01T10:00:00.000Z',
    source_topic: 'events.iot',
    source_partition: 0,
    source_offset: '9',
    event_id: 'evt-9',
    trace_id: null,
    failed_in: 'processor',
  };

  it('puts the reason and the ids present into headers, and the record as JSON into the value', () => {
    const message = dlqMessage(record, 'k');
    expect(message.key).toBe('k');
    expect(message.headers).toEqual({ error_type: 'LATE', event_id: 'evt-9' });
    expect(JSON.parse(message.value.toString('utf8'))).toEqual(record);
    expect(dlqMessage({ ...record, event_id: null, trace_id: 't-1' }, null)).toMatchObject({ key: null, headers: { error_type: 'LATE', trace_id: 't-1' } });
  });

  it('encodes as plain JSON text and decodes it back', () => {
    const bytes = encodeDlqRecord(record);
    expect(bytes.toString('utf8')).toBe(JSON.stringify(record));
    expect(decodeDlqRecord(Buffer.from(JSON.stringify(record)))).toEqual(record);
  });

  it('refuses bytes that are not a DLQ record', () => {
    for (const text of ['null', '{}', '{"original_message":1,"source_topic":"t"}', '{"original_message":"","source_topic":5}', '"x"']) {
      expect(() => decodeDlqRecord(Buffer.from(text))).toThrow('not a DLQ record');
    }
    expect(() => decodeDlqRecord(Buffer.from('{"original_message":"","source_topic":"t"}'))).not.toThrow();
    expect(() => decodeDlqRecord(Buffer.from('not json'))).toThrow(SyntaxError);
  });
});
