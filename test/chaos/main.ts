/**
 * npm run chaos [-- --seconds 120 --rate 300 --kills 6 --no-broker-restart --seed 42 --keep --base-port 19000]
 * npm run chaos:cluster [-- ... --leader-kills 2 --coordinator-kills 1 --instances 2 --plaintext]
 * Runs the whole pipeline under load on a private broker (or, with --cluster, a private secured
 * 3-node cluster: SASL_SSL, one SCRAM user and ACLs per app, replication 3, min ISR 2; the node
 * leading most partitions is killed with SIGKILL, and the broker restart is a rolling restart)
 * while killing apps with SIGKILL, then checks
 * that every acknowledged event landed exactly once and the aggregates equal an offline recomputation.
 * Exits 0 when nothing was lost or duplicated, 1 otherwise.
 */
import { runChaos } from './run';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const number = (name: string) => (option(name) === undefined ? undefined : Number(option(name)));

runChaos({
  ...(number('seconds') !== undefined && { seconds: number('seconds') }),
  ...(number('rate') !== undefined && { rate: number('rate') }),
  ...(number('kills') !== undefined && { kills: number('kills') }),
  ...(number('seed') !== undefined && { seed: number('seed') }),
  ...(number('settle') !== undefined && { settleSeconds: number('settle') }),
  ...(number('leader-kills') !== undefined && { leaderKills: number('leader-kills') }),
  ...(number('base-port') !== undefined && { basePort: number('base-port') }),
  ...(number('coordinator-kills') !== undefined && { coordinatorKills: number('coordinator-kills') }),
  ...(number('instances') === 2 && { instances: 2 as const }),
  ...(process.argv.includes('--cluster') && { cluster: { secure: !process.argv.includes('--plaintext') }, basePort: number('base-port') ?? 19300, leaderKills: number('leader-kills') ?? 2, coordinatorKills: number('coordinator-kills') ?? 1, instances: number('instances') === 1 ? (1 as const) : (2 as const) }),
  restartBroker: !process.argv.includes('--no-broker-restart'),
  keepWorkDir: process.argv.includes('--keep'),
})
  .then((report) => process.exit(report.ok ? 0 : 1))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
