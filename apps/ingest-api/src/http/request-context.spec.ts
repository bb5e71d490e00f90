import { newRequestId, newTraceId, requestIdFrom, traceIdFromHeaders } from './request-context';

describe('request context', () => {
  it('makes trace ids of 32 lowercase hex chars, all distinct across refills of the random pool, that a traceparent carries', () => {
    const ids = Array.from({ length: 1000 }, () => newTraceId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(traceIdFromHeaders({ traceparent: `00-${ids[0]}-0123456789abcdef-01` })).toBe(ids[0]);
  });

  it('makes distinct request ids and echoes a safe one from the header', () => {
    expect(newRequestId()).not.toBe(newRequestId());
    expect(requestIdFrom('my-request-1')).toBe('my-request-1');
    expect(requestIdFrom('bad id')).not.toBe('bad id');
  });
});
