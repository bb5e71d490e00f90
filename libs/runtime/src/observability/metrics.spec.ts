import { Counter, Registry } from 'prom-client';
import { addThreadMetrics, counter, processMetrics, registry } from './metrics';

describe('the process metrics with a worker thread (its registry faked by a second registry)', () => {
  it('serves the thread series with this registry and sums series both keep', async () => {
    const here = counter('spec_records_total', 'records', ['topic']);
    here.inc({ topic: 'dlq' }, 2);
    here.inc({ topic: 'aggregated' }, 5);
    const thread = new Registry();
    const there = new Counter({ name: 'spec_records_total', help: 'records', labelNames: ['topic'], registers: [thread] });
    there.inc({ topic: 'dlq' }, 3);
    there.inc({ topic: 'repartition' }, 7);
    const remove = addThreadMetrics(() => thread.getMetricsAsJSON());
    try {
      const text = await processMetrics();
      expect(text).toContain('spec_records_total{topic="dlq"} 5');
      expect(text).toContain('spec_records_total{topic="aggregated"} 5');
      expect(text).toContain('spec_records_total{topic="repartition"} 7');
    } finally {
      remove();
    }
    expect(await processMetrics()).not.toContain('repartition');
    registry.removeSingleMetric('spec_records_total');
  });
});
