/**
 * The least-privilege ACLs of each app on the secured local cluster (kafka-cluster.sh start --secure),
 * created as the admin user from the KAFKA_* environment. The same table is in docs/OPERATIONS.md;
 * the topic prefixes follow config/pipeline.yaml (events.*, reference.data, _schemas).
 */
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { createKafka, kafkaSettingsFromEnv, withAdmin } from '@platform/kafka';

type Resource = 'topic' | 'group' | 'transactional-id' | 'cluster';
type Operation = keyof typeof AclOperationTypes;

export interface AclRule {
  user: string;
  resource: Resource;
  name: string;
  prefixed: boolean;
  operations: Operation[];
}

const TOPIC_RW: Operation[] = ['DESCRIBE', 'READ', 'WRITE', 'CREATE'];

export const APP_ACLS: AclRule[] = [
  // ingest: writes events (idempotent), reads them back for /latest, the stream and the DLQ admin API.
  { user: 'ingest', resource: 'topic', name: 'events.', prefixed: true, operations: TOPIC_RW },
  { user: 'ingest', resource: 'group', name: 'ingest-', prefixed: true, operations: ['READ'] },
  { user: 'ingest', resource: 'group', name: 'partition-reader-', prefixed: true, operations: ['READ'] },
  { user: 'ingest', resource: 'cluster', name: 'kafka-cluster', prefixed: false, operations: ['IDEMPOTENT_WRITE'] },
  // registry: the _schemas log, written in transactions with one fixed transactional id.
  { user: 'registry', resource: 'topic', name: '_schemas', prefixed: false, operations: TOPIC_RW },
  { user: 'registry', resource: 'group', name: 'schema-registry.', prefixed: true, operations: ['READ'] },
  { user: 'registry', resource: 'transactional-id', name: 'schema-registry.', prefixed: true, operations: ['DESCRIBE', 'WRITE'] },
  { user: 'registry', resource: 'cluster', name: 'kafka-cluster', prefixed: false, operations: ['IDEMPOTENT_WRITE'] },
  // processor: reads events, writes aggregates, DLQ, late, its changelog and repartition topics in transactions.
  { user: 'processor', resource: 'topic', name: 'events.', prefixed: true, operations: TOPIC_RW },
  { user: 'processor', resource: 'topic', name: 'reference.data', prefixed: true, operations: TOPIC_RW },
  { user: 'processor', resource: 'group', name: 'processor', prefixed: true, operations: ['READ', 'DESCRIBE'] },
  { user: 'processor', resource: 'group', name: 'partition-reader-', prefixed: true, operations: ['READ'] },
  { user: 'processor', resource: 'transactional-id', name: 'processor', prefixed: true, operations: ['DESCRIBE', 'WRITE'] },
  { user: 'processor', resource: 'cluster', name: 'kafka-cluster', prefixed: false, operations: ['IDEMPOTENT_WRITE'] },
  // sink: reads events and aggregates, writes the DLQ.
  { user: 'sink', resource: 'topic', name: 'events.', prefixed: true, operations: ['DESCRIBE', 'READ', 'CREATE'] },
  { user: 'sink', resource: 'topic', name: 'events.dlq', prefixed: true, operations: ['WRITE'] },
  { user: 'sink', resource: 'group', name: 'sink-', prefixed: true, operations: ['READ'] },
  { user: 'sink', resource: 'cluster', name: 'kafka-cluster', prefixed: false, operations: ['IDEMPOTENT_WRITE'] },
];

const RESOURCE_TYPES: Record<Resource, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
  cluster: AclResourceTypes.CLUSTER,
};

async function main(): Promise<void> {
  const kafka = createKafka(kafkaSettingsFromEnv('cluster-acls'));
  const acl = APP_ACLS.flatMap((rule) =>
    rule.operations.map((operation) => ({
      resourceType: RESOURCE_TYPES[rule.resource],
      resourceName: rule.name,
      resourcePatternType: rule.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      principal: `User:${rule.user}`,
      host: '*',
      operation: AclOperationTypes[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
  await withAdmin(kafka, async (admin) => {
    const { brokers } = await admin.describeCluster();
    if (brokers.length < 3) throw new Error(`expected 3 brokers, the cluster reports ${brokers.length}`);
    await admin.createAcls({ acl });
  });
  process.stdout.write(`cluster-acls: ${acl.length} ACLs for ${new Set(APP_ACLS.map((r) => r.user)).size} apps\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`cluster-acls: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
