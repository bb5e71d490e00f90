import { loadConsoleConfig, parseStages } from './console-config';

describe('console config', () => {
  it('has defaults: enabled, no stages, 5 s samples', () => {
    expect(loadConsoleConfig({})).toEqual({ enabled: true, stages: [], sampleIntervalMs: 5000 });
  });

  it('reads stages as name=url, without a trailing slash', () => {
    expect(parseStages(['processor=http://127.0.0.1:9101/', 'sink=https://sink.internal:9102'])).toEqual([
      { name: 'processor', url: 'http://127.0.0.1:9101' },
      { name: 'sink', url: 'https://sink.internal:9102' },
    ]);
  });

  it('refuses a malformed stage or a too short sample interval, naming the variable', () => {
    expect(() => loadConsoleConfig({ CONSOLE_STAGES: 'processor' })).toThrow(/CONSOLE_STAGES/);
    expect(() => loadConsoleConfig({ CONSOLE_STAGES: 'processor=ftp://x' })).toThrow(/CONSOLE_STAGES/);
    expect(() => loadConsoleConfig({ CONSOLE_SAMPLE_INTERVAL: '100ms' })).toThrow(/CONSOLE_SAMPLE_INTERVAL/);
  });
});
