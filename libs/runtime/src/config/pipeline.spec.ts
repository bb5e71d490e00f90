import { readFileSync } from 'fs';
import { resolve } from 'path';
import { ConfigError } from './env';
import { eventTypeByName, eventTypeByTopic, loadPipelineConfig, parsePipelineConfig } from './pipeline';

const root = resolve(__dirname, '../../../..');

describe('pipeline config', () => {
  it('loads the checked-in pipeline with the three event types, their topics, keys and windows', () => {
    const config = loadPipelineConfig(resolve(root, 'config/pipeline.yaml'));
    expect(config.eventTypes.map((t) => t.name)).toEqual(['iot.sensor', 'clickstream', 'transaction']);
    for (const type of config.eventTypes) {
      expect(type.topic).toBe(`events.${type.name}`);
      expect(type.subject).toBe(`events.${type.name}-value`);
      expect(() => readFileSync(type.schemaPath)).not.toThrow();
    }
    expect(eventTypeByName(config, 'iot.sensor')?.partitionKey).toBe('device_id');
    expect(eventTypeByTopic(config, 'events.transaction')?.valueField).toBe('amount');
    expect(config.windows.map((w) => [w.kind, w.sizeMs, w.advanceMs, w.gapMs])).toEqual([
      ['tumbling', 60000, 60000, 0],
      ['tumbling', 300000, 300000, 0],
      ['tumbling', 900000, 900000, 0],
      ['sliding', 300000, 60000, 0],
      ['session', 0, 0, 1800000],
    ]);
    expect(config.topics.dlq.name).toBe('events.dlq');
    expect(config.topics.aggregated.name).toBe('events.aggregated');
  });

  it('adds an event type with config alone', () => {
    const base = readFileSync(resolve(root, 'config/pipeline.yaml'), 'utf8');
    const extended = base.replace(
      'event_types:\n',
      'event_types:\n  - { name: app.crash, topic: events.app.crash, schema: schemas/app.crash.avsc, partition_key: device_id, partitions: 2 }\n',
    );
    const config = parsePipelineConfig(extended, root);
    expect(eventTypeByName(config, 'app.crash')).toMatchObject({
      topic: 'events.app.crash',
      partitionKey: 'device_id',
      partitions: 2,
      subject: 'events.app.crash-value',
    });
  });

  it('rejects a broken pipeline with the path of each mistake', () => {
    const text = `
event_types:
  - { name: Bad Name, topic: events.x, schema: schemas/x.avsc, partition_key: session_id }
  - { name: y, topic: events.x, schema: schemas/y.avsc, partition_key: user_id, rules: [{ field: a, one_of_reference: nope }] }
windows:
  - { name: w, kind: hopping, size: 1m }
  - { name: s, kind: sliding, size: 5m, advance: 2m }
watermark: { max_out_of_orderness: soon }
`;
    let caught: ConfigError | undefined;
    try {
      parsePipelineConfig(text, root);
    } catch (error) {
      caught = error as ConfigError;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = caught!.problems.join('\n');
    expect(problems).toMatch(/event_types\[0\]\.name/);
    expect(problems).toMatch(/event_types\[0\]\.partition_key must be user_id or device_id/);
    expect(problems).toMatch(/topics must be unique/);
    expect(problems).toMatch(/windows\[0\]\.kind/);
    expect(problems).toMatch(/windows\[1\]\.advance must divide size/);
    expect(problems).toMatch(/watermark\.max_out_of_orderness/);
    expect(problems).toMatch(/unknown reference table nope/);
  });

  it('names PIPELINE_CONFIG when the file is missing', () => {
    expect(() => loadPipelineConfig('/nonexistent/pipeline.yaml')).toThrow(/set PIPELINE_CONFIG/);
  });
});
