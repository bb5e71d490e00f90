/**
 * The platform on a production-shaped cluster (deploy/local/kafka-cluster.sh --secure): 3 KRaft nodes,
 * SASL_SSL with a SCRAM user per app, least-privilege ACLs, replication 3 and min ISR 2. The whole
 * pipeline runs with two instances of the ingest API (sharing Redis), the processor and the sink, each
 * app as its own principal, under load, while the node leading the most event partitions is killed
 * with SIGKILL, then the transaction coordinator of a window task: no POST may fail, every
 * acknowledged event lands in raw.events exactly once and in the lake, the aggregates equal the
 * offline recomputation and the DLQ and late topics hold each of their events once. The longer run
 * with app kills and a rolling restart is `npm run chaos:cluster`.
 */
import { runChaos } from '../chaos/run';

describe('secured 3-node cluster: two instances of each app survive kill -9 of the leading node and of a transaction coordinator', () => {
  it('answers every POST while a node is down and loses or duplicates nothing', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      cluster: { secure: true },
      seconds: 40,
      rate: 100,
      kills: 0,
      leaderKills: 1,
      // The node coordinating a window task's transactions too: its commits fail mid-flight.
      coordinatorKills: 1,
      instances: 2,
      restartBroker: false,
      settleSeconds: 150,
      basePort: 29200,
      log: (line) => lines.push(line),
    });
    console.log(lines.join('\n'));
    expect(report.problems).toEqual([]);
    expect(report.figures.leaderKills).toBe(1);
    expect(report.figures.coordinatorKills).toBe(1);
    // acks=all with min ISR 2: losing one node of three costs no request.
    expect(report.figures.failedPosts).toBe(0);
    expect(report.figures.valid).toBeGreaterThan(1500);
  }, 900_000);
});
