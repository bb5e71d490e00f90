import { PipelineConfig } from '@platform/runtime';
import { frame, parseAvroSchema, RegistryError, SchemaCatalog } from '@platform/schema';
import { SinkStoppedError } from '../delivery/deliver';
import { RecordDecoder } from './record-decoder';

const CLICK = JSON.stringify({
  type: 'record',
  name: 'Click',
  fields: [
    { name: 'event_id', type: 'string' },
    { name: 'page', type: 'string' },
  ],
});
const click = { event_id: 'e-1', page: '/home' };
const bytes = frame(3, parseAvroSchema(CLICK).toBuffer(click));
const pipeline = {
  eventTypes: [{ name: 'click', topic: 'events.click' }],
  topics: { aggregated: { name: 'events.aggregated' } },
} as unknown as PipelineConfig;

/** A fake registry that answers each call from `answers` in turn (a string is the schema text, an Error is thrown). */
function fakeRegistry(answers: Array<string | Error>) {
  const registry = {
    calls: 0,
    register: async () => 0,
    schemaById: async () => {
      const answer = answers[Math.min(registry.calls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return registry;
}

describe('RecordDecoder (fake registry)', () => {
  it('decodes an event with the extra columns of its schema, asking the registry once per schema id', async () => {
    const registry = fakeRegistry([CLICK]);
    const decoder = new RecordDecoder(new SchemaCatalog(registry, pipeline), pipeline);
    const first = await decoder.decode('events.click', bytes);
    expect(first).toEqual({ kind: 'raw', schemaId: 3, value: click, extras: [expect.objectContaining({ field: 'page' })] });
    expect(await decoder.decode('events.click', bytes)).toEqual(first);
    expect(registry.calls).toBe(1);
  });

  it('dead-letters what is the record’s fault: an unknown topic, no value, an unknown schema id', async () => {
    const decoder = new RecordDecoder(new SchemaCatalog(fakeRegistry([new RegistryError('Schema not found', 404)]), pipeline), pipeline);
    expect(await decoder.decode('events.other', bytes)).toMatchObject({
      kind: 'poison',
      error: expect.stringMatching(/^topic events.other is neither/),
    });
    expect(await decoder.decode('events.click', null)).toEqual({ kind: 'poison', error: 'record has no value' });
    expect(await decoder.decode('events.click', bytes)).toEqual({
      kind: 'poison',
      error: 'unknown schema id 3 (the registry does not know it)',
    });
  });

  it('retries while the registry is unavailable, then decodes', async () => {
    const registry = fakeRegistry([new RegistryError('down', 503), new TypeError('fetch failed'), CLICK]);
    const retries: unknown[] = [];
    const decoder = new RecordDecoder(new SchemaCatalog(registry, pipeline), pipeline, { onRegistryRetry: (error) => retries.push(error) });
    expect(await decoder.decode('events.click', bytes)).toMatchObject({ kind: 'raw', value: click });
    expect(retries).toHaveLength(2);
    expect(registry.calls).toBe(3);
  });

  it('stops retrying with SinkStoppedError when the sink stops during an outage, never dead-lettering', async () => {
    let stopping = false;
    const decoder = new RecordDecoder(new SchemaCatalog(fakeRegistry([new RegistryError('down', 503)]), pipeline), pipeline, {
      isStopping: () => stopping,
      onRegistryRetry: () => (stopping = true),
    });
    await expect(decoder.decode('events.click', bytes)).rejects.toBeInstanceOf(SinkStoppedError);
  });
});
