/**
 * Dead-letter queue operations from the command line.
 *   npm run dlq -- list [--reason R] [--topic T] [--since TIME] [--until TIME] [--event-id ID] [--limit N]
 *   npm run dlq -- replay ID [ID ...]        (ID = partition:offset as `list` prints it)
 * Replay re-publishes the original bytes to the source topic; the event keeps its event_id, so
 * deduplication downstream still holds.
 */
import { commonEnv, loadEnv, loadPipelineConfig, createLogger } from '@platform/runtime';
import { entryId, parseTimeBound } from '@platform/contracts';
import { DlqStore } from '@platform/kafka';
import { createKafka, kafkaSettings } from '@platform/kafka';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<number> {
  createLogger('dlq-cli', process.env.LOG_LEVEL ?? 'warn');
  const [command, ...args] = process.argv.slice(2);
  const config = loadEnv(commonEnv);
  const pipeline = loadPipelineConfig(config.pipelineConfigPath);
  const store = new DlqStore(createKafka(kafkaSettings(config, { clientId: 'dlq-cli' })), pipeline.topics.dlq.name);
  try {
    if (command === 'list') {
      const entries = await store.list(
        {
          errorType: option(args, '--reason'),
          sourceTopic: option(args, '--topic'),
          since: parseTimeBound(option(args, '--since'), '--since'),
          until: parseTimeBound(option(args, '--until'), '--until'),
          eventId: option(args, '--event-id'),
        },
        Number(option(args, '--limit') ?? 100),
      );
      for (const entry of entries) {
        const r = entry.record;
        console.log(
          [
            entryId(entry),
            r.last_attempt_time,
            r.error_type,
            `${r.source_topic}/${r.source_partition}@${r.source_offset}`,
            r.event_id ?? '-',
            r.error_message,
          ].join('\t'),
        );
      }
      console.error(`${entries.length} record(s)`);
      return 0;
    }
    if (command === 'replay' && args.length > 0) {
      const results = await store.replay(args, new Set(pipeline.eventTypes.map((t) => t.topic)));
      for (const r of results) console.log(JSON.stringify(r));
      return results.every((r) => r.status === 'replayed') ? 0 : 1;
    }
    console.error(
      'usage: dlq list [--reason R] [--topic T] [--since TIME] [--until TIME] [--event-id ID] [--limit N] | dlq replay ID [ID ...]',
    );
    return 2;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
