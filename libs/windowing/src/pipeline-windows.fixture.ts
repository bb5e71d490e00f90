/** The pipeline's windows and watermark settings (config/pipeline.yaml), for the engine's spec and benchmark. */
import type { WindowingConfig } from './types';

const MIN = 60_000;

export const PIPELINE_WINDOWING: Omit<WindowingConfig, 'eventTypes'> = {
  windows: [
    { name: 'tumbling_1m', kind: 'tumbling', sizeMs: MIN },
    { name: 'tumbling_5m', kind: 'tumbling', sizeMs: 5 * MIN },
    { name: 'tumbling_15m', kind: 'tumbling', sizeMs: 15 * MIN },
    { name: 'sliding_5m_1m', kind: 'sliding', sizeMs: 5 * MIN, advanceMs: MIN },
    { name: 'session_30m', kind: 'session', gapMs: 30 * MIN },
  ],
  maxOutOfOrdernessMs: 5_000,
  allowedLatenessMs: MIN,
  idleTimeoutMs: 30_000,
};
