import { ConfigError } from '@platform/runtime';
import { loadProcessorConfig } from './config';

describe('loadProcessorConfig', () => {
  it('has working defaults', () => {
    const config = loadProcessorConfig({});
    expect(config).toMatchObject({ group: 'processor', opsPort: 9101, timerIntervalMs: 1000, stages: ['a', 'b'], stageThreads: true });
  });

  it('runs one stage when told to', () => {
    expect(loadProcessorConfig({ PROCESSOR_STAGES: 'b' }).stages).toEqual(['b']);
    expect(() => loadProcessorConfig({ PROCESSOR_STAGES: 'c' })).toThrow(/PROCESSOR_STAGES/);
  });

  it('fails fast naming the variable', () => {
    expect(() => loadProcessorConfig({ PROCESSOR_OPS_PORT: 'abc' })).toThrow(/PROCESSOR_OPS_PORT/);
    expect(() => loadProcessorConfig({ PROCESSOR_TIMER_INTERVAL: 'soon' })).toThrow(ConfigError);
    expect(() => loadProcessorConfig({ PROCESSOR_MAX_BATCH: '0' })).toThrow(/PROCESSOR_MAX_BATCH/);
  });
});
