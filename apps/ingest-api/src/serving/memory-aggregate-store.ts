/**
 * The embedded store: every window in this process's memory, written as a snapshot (windows plus the
 * offsets they reflect) to DATA_DIR/serving/ every few seconds and at shutdown. After a restart,
 * even a kill -9, it loads the snapshot and reads the aggregated topic only from its offsets on;
 * records read again change nothing, since a version not higher than the stored one is ignored.
 */
import { promises as fs } from 'fs';
import { dirname } from 'path';
import { logger } from '@platform/runtime';
import { featureVector, RecentQuery, RetentionPolicy, ServedWindow, ServingSnapshot, ServingState } from '@platform/windowing';
import { AggregateStore, SourcedRecord } from './aggregate-store';

export class MemoryAggregateStore implements AggregateStore {
  readonly kind = 'memory' as const;
  private state: ServingState;
  private timer?: NodeJS.Timeout;
  private dirty = false;
  private opened = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly snapshotPath: string | null,
    private readonly policy: RetentionPolicy,
    private readonly snapshotIntervalMs: number,
  ) {
    this.state = new ServingState(policy);
  }

  async open(): Promise<Map<number, bigint>> {
    // Opened again (the consumer restarted): the state in memory is the newest there is.
    if (this.opened) return this.state.offsets();
    this.opened = true;
    if (this.snapshotPath) {
      try {
        const text = await fs.readFile(this.snapshotPath, 'utf8');
        this.state = ServingState.restore(JSON.parse(text) as ServingSnapshot, this.policy);
        logger().info({ path: this.snapshotPath, windows: this.state.windowCount }, 'serving snapshot loaded');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          logger().warn(
            { err: (error as Error).message, path: this.snapshotPath },
            'serving snapshot unreadable; rebuilding from the aggregated topic',
          );
        }
      }
      this.timer = setInterval(() => void this.snapshot(), this.snapshotIntervalMs);
      this.timer.unref();
    }
    return this.state.offsets();
  }

  async apply(records: readonly SourcedRecord[], next: ReadonlyMap<number, bigint>) {
    const changed: Array<{ eventType: string; groupKey: string; window: ServedWindow }> = [];
    for (const { record } of records) {
      if (this.state.apply(record)) {
        changed.push({
          eventType: record.event_type,
          groupKey: record.group_key,
          window: this.state.slot(record.event_type, record.group_key, record.window_name, Number(record.window_start))!,
        });
      }
    }
    for (const [partition, offset] of next) this.state.advance(partition, offset);
    this.dirty = true;
    return changed;
  }

  async latest(eventType: string, groupKey: string, windowNames: readonly string[]) {
    return featureVector(windowNames, (name) => this.state.latest(eventType, groupKey, name));
  }

  async recent(eventType: string, groupKey: string, windowName: string, query: RecentQuery) {
    return this.state.recent(eventType, groupKey, windowName, query);
  }

  /** Writes the snapshot (to a temporary file renamed over the old one, so a crash leaves one whole file). */
  snapshot(): Promise<void> {
    if (!this.snapshotPath || !this.dirty) return this.writing;
    this.dirty = false;
    const path = this.snapshotPath;
    const text = JSON.stringify(this.state.snapshot());
    this.writing = this.writing.then(async () => {
      try {
        await fs.mkdir(dirname(path), { recursive: true });
        await fs.writeFile(`${path}.tmp`, text);
        await fs.rename(`${path}.tmp`, path);
      } catch (error) {
        this.dirty = true;
        logger().warn({ err: (error as Error).message, path }, 'serving snapshot not written; retrying at the next interval');
      }
    });
    return this.writing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.snapshot();
  }
}
