/**
 * The short chaos run CI does: the whole pipeline on a private broker under load, each app killed
 * with SIGKILL once at a random moment, the broker restarted once, with duplicates, disorder,
 * rule-breaking, schema-invalid and late events. `npm run chaos` is the longer version.
 */
import { runChaos } from './run';

describe('chaos: SIGKILLs and a broker restart under load (short run)', () => {
  it('puts every acknowledged event in raw.events and the lake exactly once, and the aggregates equal an offline recomputation', async () => {
    const lines: string[] = [];
    const report = await runChaos({ seconds: 45, rate: 150, kills: 3, restartBroker: true, settleSeconds: 180, basePort: 23000, log: (line) => lines.push(line) });
    if (!report.ok) console.error(lines.join('\n'));
    expect(report.problems).toEqual([]);
    // The run really did what it claims: faults happened and there was enough to check.
    expect(report.figures.processorKills).toBe(1);
    expect(report.figures.sinkKills).toBe(1);
    expect(report.figures.ingestKills).toBe(1);
    expect(report.figures.brokerRestarts).toBe(1);
    expect(report.figures.valid).toBeGreaterThan(3000);
    expect(report.figures.ruleBreaking).toBeGreaterThan(0);
    expect(report.figures.late).toBeGreaterThan(0);
    expect(report.figures.expectedAggregates).toBeGreaterThan(100);
  }, 900_000);
});
