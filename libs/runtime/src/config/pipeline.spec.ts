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

describe('pipeline config, rule by rule', () => {
  const minimal = 'event_types:\n  - { name: a, topic: events.a, schema: schemas/a.avsc, partition_key: user_id }\n';
  const problemsOf = (text: string): string[] => {
    try {
      parsePipelineConfig(text, '/repo');
    } catch (error) {
      return (error as ConfigError).problems;
    }
    return [];
  };

  it('fills every default from a minimal file', () => {
    expect(parsePipelineConfig(minimal, '/repo')).toEqual({
      rootDir: '/repo',
      eventTypes: [
        {
          name: 'a',
          topic: 'events.a',
          schemaPath: '/repo/schemas/a.avsc',
          subject: 'events.a-value',
          partitionKey: 'user_id',
          partitions: 6,
          valueField: undefined,
          groupBy: undefined,
          rules: [],
          enrich: [],
        },
      ],
      windows: [],
      watermark: { maxOutOfOrdernessMs: 5000, idleTimeoutMs: 30000, allowedLatenessMs: 60000 },
      dedupeTtlMs: 3_600_000,
      topics: {
        aggregated: { name: 'events.aggregated', partitions: 3, compacted: false },
        dlq: { name: 'events.dlq', partitions: 3, compacted: false },
        late: { name: 'events.late', partitions: 3, compacted: false },
        reference: { name: 'reference.data', partitions: 3, compacted: true },
        schemas: { name: '_schemas', partitions: 3, compacted: true },
      },
      replicationFactor: 1,
      retentionMs: 7 * 86_400_000,
      referenceData: {},
    });
  });

  it('reads rules, enrichments, an absolute schema path and every overridable setting', () => {
    const config = parsePipelineConfig(
      `event_types:
  - name: t
    topic: events.t
    schema: /abs/t.avsc
    partition_key: device_id
    partitions: 2
    value_field: amount
    group_by: symbol
    rules:
      - { field: amount, min: 0, max: 10, exclusive_min: true }
      - { field: symbol, one_of_reference: symbols, exclusive_min: yes }
    enrich:
      - { field: symbol, reference: symbols, into: sector }
windows:
  - { name: s, kind: sliding, size: 10s, advance: 5s }
  - { name: g, kind: session, gap: 1m }
watermark: { max_out_of_orderness: 1s, idle_timeout: 2s, allowed_lateness: 3s }
dedupe: { ttl: 4s }
topics:
  aggregated: { name: agg, partitions: 5, compacted: true }
  reference: { name: ref, partitions: 1, compacted: false }
  replication_factor: 3
  retention: 1d
reference_data:
  symbols: { AAPL: Technology }
`,
      '/repo',
    );
    expect(config.eventTypes[0]).toEqual({
      name: 't',
      topic: 'events.t',
      schemaPath: '/abs/t.avsc',
      subject: 'events.t-value',
      partitionKey: 'device_id',
      partitions: 2,
      valueField: 'amount',
      groupBy: 'symbol',
      rules: [
        { field: 'amount', min: 0, max: 10, exclusiveMin: true, oneOfReference: undefined },
        { field: 'symbol', min: undefined, max: undefined, exclusiveMin: false, oneOfReference: 'symbols' },
      ],
      enrich: [{ field: 'symbol', reference: 'symbols', into: 'sector' }],
    });
    expect(config.windows).toEqual([
      { name: 's', kind: 'sliding', sizeMs: 10_000, advanceMs: 5_000, gapMs: 0 },
      { name: 'g', kind: 'session', sizeMs: 0, advanceMs: 0, gapMs: 60_000 },
    ]);
    expect(config.watermark).toEqual({ maxOutOfOrdernessMs: 1000, idleTimeoutMs: 2000, allowedLatenessMs: 3000 });
    expect(config.dedupeTtlMs).toBe(4000);
    expect(config.topics.aggregated).toEqual({ name: 'agg', partitions: 5, compacted: true });
    expect(config.topics.reference).toEqual({ name: 'ref', partitions: 1, compacted: false });
    expect(config.replicationFactor).toBe(3);
    expect(config.retentionMs).toBe(86_400_000);
    expect(config.referenceData).toEqual({ symbols: { AAPL: 'Technology' } });
  });

  it('refuses text that is not YAML or not a mapping', () => {
    expect(problemsOf('a: [1, 2')).toEqual([expect.stringMatching(/^pipeline config is not valid YAML: ./)]);
    expect(problemsOf('')).toEqual(['pipeline config is empty']);
    expect(problemsOf('just text')).toEqual(['pipeline config is empty']);
  });

  it('names every mistake of an event type with its path, prefixed', () => {
    expect(problemsOf('event_types: []')).toEqual(['pipeline config: event_types must be a non-empty list']);
    expect(problemsOf('event_types: nope')).toEqual(['pipeline config: event_types must be a non-empty list']);
    expect(problemsOf('event_types: [ 3 ]')).toEqual(['pipeline config: event_types[0] must be a mapping']);
    expect(
      problemsOf(`event_types:
  - { name: 1, topic: Events, schema: 5, partition_key: user_id, partitions: 0, rules: [{ min: 1 }], enrich: [{ field: a, reference: b }] }
  - { name: b, topic: events.b, schema: b.avsc, partition_key: user_id, partitions: 1.5 }
  - { name: b, topic: events.b, schema: b.avsc, partition_key: user_id, partitions: 1 }
`),
    ).toEqual([
      'pipeline config: event_types[0].name must be a lower-case name',
      'pipeline config: event_types[0].topic must be a topic name',
      'pipeline config: event_types[0].schema must be the path of an .avsc file',
      'pipeline config: event_types[0].partitions must be a positive integer',
      'pipeline config: event_types[0].rules[0].field is required',
      'pipeline config: event_types[0].enrich[0] needs field, reference and into',
      'pipeline config: event_types[1].partitions must be a positive integer',
      'pipeline config: event_types names must be unique',
      'pipeline config: event_types topics must be unique (one topic per event type)',
    ]);
    expect(parsePipelineConfig('event_types:\n  - { name: a, topic: events.a, schema: a.avsc, partition_key: user_id }\n', '/r').eventTypes[0].schemaPath).toBe('/r/a.avsc');
  });

  it('names every mistake of a window', () => {
    expect(
      problemsOf(`${minimal}windows:
  - { name: Bad, kind: tumbling, size: 0s }
  - { name: s1, kind: sliding, size: 5m, advance: 10m }
  - { name: s2, kind: sliding, size: 5m, advance: 0s }
  - { name: g, kind: session }
  - { name: g2, kind: session, gap: 0s }
  - { name: t, kind: tumbling }
`),
    ).toEqual([
      'pipeline config: windows[0].name must be a lower-case name',
      'pipeline config: windows[0].size must be positive',
      'pipeline config: windows[1].advance must divide size',
      'pipeline config: windows[2].advance must divide size',
      'pipeline config: windows[3].gap must be a duration like 5s or 1m, got undefined',
      'pipeline config: windows[3].gap must be positive',
      'pipeline config: windows[4].gap must be positive',
      'pipeline config: windows[5].size must be a duration like 5s or 1m, got undefined',
      'pipeline config: windows[5].size must be positive',
    ]);
    expect(problemsOf(`${minimal}windows:\n  - { name: s, kind: sliding, size: 6s, advance: 6s }\n  - { name: t, kind: tumbling, size: 1ms }\n`)).toEqual([]);
  });

  it('names bad durations, topic names, partitions and unknown reference tables', () => {
    expect(
      problemsOf(`event_types:
  - { name: a, topic: events.a, schema: a.avsc, partition_key: user_id, rules: [{ field: x, one_of_reference: known }, { field: y, one_of_reference: missing }] }
watermark: { idle_timeout: later, allowed_lateness: soon }
dedupe: { ttl: never }
topics:
  dlq: { name: '', partitions: -1 }
  late: { partitions: two }
  retention: forever
reference_data: { known: { k: 1 } }
`),
    ).toEqual([
      'pipeline config: watermark.idle_timeout must be a duration like 5s or 1m, got "later"',
      'pipeline config: watermark.allowed_lateness must be a duration like 5s or 1m, got "soon"',
      'pipeline config: dedupe.ttl must be a duration like 5s or 1m, got "never"',
      'pipeline config: topics.dlq.name must be a topic name',
      'pipeline config: topics.dlq.partitions must be a positive integer',
      'pipeline config: topics.late.partitions must be a positive integer',
      'pipeline config: topics.retention must be a duration like 5s or 1m, got "forever"',
      'pipeline config: rule on a.y names unknown reference table missing',
    ]);
  });

  it('resolves a relative path against the working directory and schemas against the parent of its folder', () => {
    const config = loadPipelineConfig('config/pipeline.yaml');
    expect(config.rootDir).toBe(process.cwd());
    const previous = process.env.PIPELINE_CONFIG;
    process.env.PIPELINE_CONFIG = resolve(root, 'config/pipeline.yaml');
    try {
      expect(loadPipelineConfig().rootDir).toBe(root);
    } finally {
      if (previous === undefined) delete process.env.PIPELINE_CONFIG;
      else process.env.PIPELINE_CONFIG = previous;
    }
    expect(() => loadPipelineConfig('missing/pipeline.yaml')).toThrow(`pipeline config not found at ${resolve(process.cwd(), 'missing/pipeline.yaml')}; set PIPELINE_CONFIG to its path`);
  });

  it('finds event types by name and topic, and nothing for unknown ones', () => {
    const config = parsePipelineConfig(minimal, '/repo');
    expect(eventTypeByName(config, 'a')?.topic).toBe('events.a');
    expect(eventTypeByName(config, 'events.a')).toBeUndefined();
    expect(eventTypeByTopic(config, 'events.a')?.name).toBe('a');
    expect(eventTypeByTopic(config, 'a')).toBeUndefined();
  });
});
