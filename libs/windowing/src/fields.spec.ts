import { compileFieldReader, readPath } from './fields';
import type { WindowEvent } from './types';

const event: WindowEvent = {
  eventId: 'e1',
  eventType: 'clickstream',
  timestamp: 0,
  userId: 'u1',
  deviceId: 'd1',
  payload: { page: '/home', duration_ms: 120, geo: { country: 'NO', lat: 59.9 }, flag: true, big: BigInt(7), list: [1, 'x'], none: null },
};

describe('readPath', () => {
  it('walks nested objects and stops at anything that is not one', () => {
    expect(readPath({ a: { b: { c: 3 } } }, ['a', 'b', 'c'])).toBe(3);
    expect(readPath({ a: { b: 1 } }, ['a'])).toEqual({ b: 1 });
    expect(readPath({ a: 1 }, [])).toEqual({ a: 1 });
    expect(readPath({ a: 1 }, ['a', 'b'])).toBeUndefined();
    expect(readPath({ a: null }, ['a', 'b'])).toBeUndefined();
    expect(readPath(null, ['a'])).toBeUndefined();
    expect(readPath('text', ['length'])).toBeUndefined();
    expect(readPath({ a: [10, 20] }, ['a', '1'])).toBe(20);
  });
});

describe('compileFieldReader', () => {
  it('reads the value field from the payload, with or without the payload. prefix, and from envelope fields', () => {
    expect(compileFieldReader({ valueField: 'duration_ms' }).value(event)).toBe(120);
    expect(compileFieldReader({ valueField: 'payload.duration_ms' }).value(event)).toBe(120);
    expect(compileFieldReader({ valueField: 'geo.lat' }).value(event)).toBe(59.9);
    expect(compileFieldReader({ valueField: 'payload.geo.lat' }).value(event)).toBe(59.9);
    expect(compileFieldReader({ valueField: 'user_id' }).value(event)).toBe('u1');
    expect(compileFieldReader({ valueField: 'userId' }).value(event)).toBe('u1');
    expect(compileFieldReader({ valueField: 'device_id' }).value(event)).toBe('d1');
    expect(compileFieldReader({ valueField: 'deviceId' }).value(event)).toBe('d1');
    expect(compileFieldReader({ valueField: 'event_type' }).value(event)).toBe('clickstream');
    expect(compileFieldReader({ valueField: 'eventType' }).value(event)).toBe('clickstream');
    expect(compileFieldReader({ valueField: 'missing' }).value(event)).toBeUndefined();
  });

  it('has no value without a value field (none, or empty) and no settings', () => {
    expect(compileFieldReader({}).value(event)).toBeUndefined();
    expect(compileFieldReader({ valueField: '' }).value(event)).toBeUndefined();
    expect(compileFieldReader(undefined).value(event)).toBeUndefined();
    expect(compileFieldReader(undefined).groupKey(event)).toBe('');
  });

  it('forms the group key from one field or several joined with |, as text', () => {
    expect(compileFieldReader({ groupBy: 'page' }).groupKey(event)).toBe('/home');
    expect(compileFieldReader({ groupBy: ['page'] }).groupKey(event)).toBe('/home');
    expect(compileFieldReader({ groupBy: ['user_id', 'device_id', 'event_type'] }).groupKey(event)).toBe('u1|d1|clickstream');
    expect(compileFieldReader({ groupBy: ['page', 'duration_ms', 'flag', 'big'] }).groupKey(event)).toBe('/home|120|true|7');
    expect(compileFieldReader({ groupBy: ['geo', 'list'] }).groupKey(event)).toBe('{"country":"NO","lat":59.9}|[1,"x"]');
    expect(compileFieldReader({ groupBy: ['none', 'missing', 'page'] }).groupKey(event)).toBe('||/home');
    expect(compileFieldReader({ groupBy: 'none' }).groupKey(event)).toBe('');
  });

  it('writes numbers and booleans as JavaScript text, NaN and Infinity included (not JSON null)', () => {
    const odd: WindowEvent = { eventId: 'e3', eventType: 't', timestamp: 0, payload: { a: NaN, b: -Infinity, c: false } };
    expect(compileFieldReader({ groupBy: ['a', 'b', 'c'] }).groupKey(odd)).toBe('NaN|-Infinity|false');
    expect(compileFieldReader({ groupBy: 'a' }).groupKey(odd)).toBe('NaN');
  });

  it('has an empty group key without grouping fields (none, empty list, empty names)', () => {
    expect(compileFieldReader({}).groupKey(event)).toBe('');
    expect(compileFieldReader({ groupBy: [] }).groupKey(event)).toBe('');
    expect(compileFieldReader({ groupBy: '' }).groupKey(event)).toBe('');
    expect(compileFieldReader({ groupBy: ['', 'page', ''] }).groupKey(event)).toBe('/home');
  });

  it('reads envelope fields that are absent as empty text', () => {
    const bare: WindowEvent = { eventId: 'e2', eventType: 't', timestamp: 0 };
    expect(compileFieldReader({ groupBy: ['user_id', 'device_id'] }).groupKey(bare)).toBe('|');
    expect(compileFieldReader({ groupBy: 'page', valueField: 'x' }).groupKey({ ...bare, payload: null })).toBe('');
  });
});
