/**
 * The partition-task runtime, after Kafka Streams' TaskManager and StreamTask: one task per input
 * partition, opened on its first batch and closed when the partition moves away, committing its
 * outputs and consumed offsets in one Kafka transaction. Tasks (stage A, stage B) only process
 * records and say what to write; the lifecycle around them is here, once:
 *
 * - open: a fresh transactional producer fences the previous owner (its open transaction is
 *   decided), then the task restores its state (the consumer heartbeats meanwhile);
 * - first batch after a (re)join: the committed offset is read (stable now: the previous owner is
 *   fenced) and a position behind it is sought past, since a committed transaction covered those
 *   records; records fetched before a seek took effect are filtered out;
 * - commit by interval or size, as Streams' commit.interval.ms: under backlog a task keeps feeding
 *   records and commits once `commitIntervalMs` or `maxUncommittedRecords` is reached; a batch that
 *   reaches the partition's end commits at once, or `lingerMs` after the previous commit, so
 *   latency at low rates stays that of a fetch plus at most the linger;
 * - a failed commit (fenced, broker gone) or a failed process call closes the task: its state is
 *   ahead of what Kafka holds, so it is rebuilt from the changelog on the next batch, and the
 *   consumer goes back to the committed offset (at once when a batch failed; at the partition's
 *   next batch when a timer or linger commit failed, since the consumer's own position is past
 *   the records fed since that offset).
 * Work on one task is serialised (batches, timer, commits).
 *
 * The commit is generic over what a task outputs: Kafka records in a transaction (the processor's
 * stages), or a buffered chunk written to a destination that stores the offsets with its rows (the
 * sink, after Kafka Connect's sink tasks). Such a task says itself where it resumes (`resume`), when
 * its batch must end (`commitBoundary`) and when it is full (`wantsCommit`).
 */
import { whileHeartbeating } from './heartbeat';
import { BatchControl, CommitRequest, FetchedBatch, OffsetsPort, ProducerPort, ResumePosition, TaskOutput, TaskProducer, TaskRecord, TopicPartition } from './ports';

export interface TaskContext {
  readonly tp: TopicPartition;
  /** The next offset to feed: everything below it is in the task's state. */
  readonly position: bigint | undefined;
}

/** A plain task: processes records and says what its next commit writes. */
export interface StreamTask<O = TaskOutput> {
  /** Feeds records in offset order, none already fed. */
  process(records: TaskRecord[], context: TaskContext): Promise<void> | void;
  /** Everything the next commit writes besides the offsets; called right before it. */
  prepareCommit(context: TaskContext): O[];
  /** Called after a commit succeeded. */
  committed?(context: TaskContext): void;
  /** Processing-time work (e.g. watermark advance); true when there is something to commit now. */
  punctuate?(now: number, context: TaskContext & { caughtUp: boolean; lastBatchAt: number }): boolean;
  /** The task is dropped (revoked or failed): nothing of it is committed any more. */
  close?(): void;
  /**
   * Where to resume, asked at the first batch after each (re)join instead of the group's committed
   * offset (the task's store keeps its position). Uncommitted work the task holds is dropped by it:
   * the consumer reads it again.
   */
  resume?(firstFetched: bigint, context: TaskContext): Promise<ResumePosition>;
  /**
   * The offset the task's next commit must end at, if any, given the next offset to feed: records
   * after it are fed only after that commit, and no commit ends before it.
   */
  commitBoundary?(nextOffset: bigint): bigint | undefined;
  /** The task's own size bound is reached (e.g. bytes): commit after the records just fed. */
  wantsCommit?(now: number): boolean;
}

export interface TaskFactory<T extends StreamTask<O>, O = TaskOutput> {
  transactionalId(tp: TopicPartition): string;
  /** Builds the task once its producer fenced the previous owner: the state restore hook. */
  open(tp: TopicPartition): Promise<T>;
}

export interface TaskManagerObserver<O = TaskOutput> {
  onCommit?(tp: TopicPartition, request: CommitRequest<O>, seconds: number): void;
  onAbort?(tp: TopicPartition, error: unknown): void;
  onBatch?(tp: TopicPartition, lag: bigint, records: number): void;
  onWarning?(message: string, details: Record<string, unknown>): void;
}

export interface TaskManagerOptions<T extends StreamTask<O>, O = TaskOutput> {
  groupId: string;
  factory: TaskFactory<T, O>;
  producers: ProducerPort<O>;
  /** The group's committed offsets (not needed when the tasks resume themselves). */
  offsets?: OffsetsPort;
  /** Longest time fed records stay uncommitted under backlog. */
  commitIntervalMs: number;
  /** Most records fed between two commits. */
  maxUncommittedRecords: number;
  /** Records fed to a task at once, between checks of the interval (default 1000). */
  chunkRecords?: number;
  /**
   * A task that reached its partition's end commits at once when its last commit is at least this
   * old, else when it is (default 0: always at once). Under load, a caught-up task then gathers a
   * linger's worth of input per transaction instead of one fetch.
   */
  lingerMs?: number;
  /**
   * Whether reaching the partition's end is a reason to commit (default true). A sink batches by
   * its own bounds instead (`wantsCommit`, punctuation by age), so its writes stay large.
   */
  commitWhenCaughtUp?: boolean;
  observer?: TaskManagerObserver<O>;
  now?: () => number;
}

const tpKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

class TaskHandle<T extends StreamTask<O>, O> {
  private chain: Promise<unknown> = Promise.resolve();
  /** Position checked against the committed offset since the last (re)join. */
  verified = false;
  position?: bigint;
  committedPosition?: bigint;
  /** Where the group's position was when nothing was committed yet: a failure goes back there. */
  firstFetched?: bigint;
  uncommitted = 0;
  uncommittedSince = 0;
  lastCommitAt = 0;
  lingering?: NodeJS.Timeout;
  caughtUp = false;
  lastBatchAt = 0;
  closed = false;

  constructor(
    readonly tp: TopicPartition,
    readonly transactionalId: string,
    readonly task: T,
    readonly producer: TaskProducer<O>,
  ) {}

  run<R>(work: () => Promise<R>): Promise<R> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  get context(): TaskContext {
    return { tp: this.tp, position: this.position };
  }
}

export class TaskManager<T extends StreamTask<O>, O = TaskOutput> {
  private readonly tasks = new Map<string, TaskHandle<T, O>>();
  private readonly opening = new Map<string, Promise<TaskHandle<T, O>>>();
  /** Where the consumer must go back to before a partition's next batch (its task failed outside a batch). */
  private readonly rewinds = new Map<string, bigint>();
  private readonly now: () => number;
  /** While closeAll runs: batches still delivered are not fed. */
  private closing = false;

  constructor(private readonly options: TaskManagerOptions<T, O>) {
    this.now = options.now ?? Date.now;
  }

  /** The partitions with an open task. */
  openTasks(): TopicPartition[] {
    return [...this.tasks.values()].map((h) => h.tp);
  }

  /** The open task of a partition, if any (for its owner's own bookkeeping). */
  taskOf(tp: TopicPartition): T | undefined {
    return this.tasks.get(tpKey(tp))?.task;
  }

  /**
   * A (re)join: tasks of partitions no longer assigned are closed (their uncommitted work is the
   * new owner's to redo); kept ones re-check their position before their next batch.
   */
  assigned(partitions: TopicPartition[]): void {
    const kept = new Set(partitions.map(tpKey));
    // A new assignment starts from the committed offsets: nothing to go back to.
    this.rewinds.clear();
    for (const [key, handle] of [...this.tasks]) {
      if (!kept.has(key)) void handle.run(async () => this.closeNow(handle));
      else handle.verified = false;
    }
  }

  async handleBatch(batch: FetchedBatch, control: BatchControl): Promise<void> {
    if (this.closing) return;
    const key = tpKey(batch);
    const rewind = this.rewinds.get(key);
    if (rewind !== undefined) {
      this.rewinds.delete(key);
      control.seek(rewind);
      return;
    }
    const handle = await this.keepingAlive(this.handleOf(batch), control);
    await handle.run(async () => {
      if (handle.closed || this.closing) return;
      try {
        await this.feed(handle, batch, control);
      } catch (error) {
        if (!handle.closed) this.closeNow(handle);
        // Back to what is committed: the records fed since are redone by the rebuilt task.
        this.rewinds.delete(key);
        const back = handle.committedPosition ?? handle.firstFetched;
        if (back !== undefined) control.seek(back);
        throw error;
      }
    });
  }

  /**
   * A fetch holding only transaction markers or aborted records never reaches handleBatch; when it
   * starts at the task's position it is committed, so the group's position reaches the partition end.
   */
  async skipped(tp: TopicPartition, firstOffset: string, lastOffset: string, lag?: bigint): Promise<void> {
    const handle = this.tasks.get(tpKey(tp));
    if (!handle) return;
    await handle.run(async () => {
      if (handle.closed || !handle.verified || handle.position === undefined) return;
      // A partition whose last fetch was markers only is caught up too: without this, a task whose data
      // batch ended just before the final commit marker would never be told so, and never punctuate.
      const reached = BigInt(lastOffset) + 1n;
      if (lag !== undefined && lag <= 0n && handle.position >= BigInt(firstOffset)) handle.caughtUp = true;
      if (BigInt(firstOffset) !== handle.position) return;
      handle.position = reached;
      await this.commit(handle).catch((error) => this.options.observer?.onWarning?.('committing past transaction markers failed; the task will be restored', { err: error, ...tp }));
    });
  }

  /** Timer: punctuates every task and commits those whose interval is due or that have output. */
  async tick(): Promise<void> {
    const now = this.now();
    await Promise.all(
      [...this.tasks.values()].map((handle) =>
        handle
          .run(async () => {
            if (handle.closed) return;
            const wants = handle.task.punctuate?.(now, { ...handle.context, caughtUp: handle.caughtUp, lastBatchAt: handle.lastBatchAt }) ?? false;
            if (wants || (handle.uncommitted > 0 && now - handle.uncommittedSince >= this.options.commitIntervalMs)) await this.commit(handle);
          })
          .catch((error) => this.options.observer?.onWarning?.('timer commit failed; the task will be restored', { err: error, ...handle.tp })),
      ),
    );
  }

  /** Commits every task's uncommitted work now (a task's commit boundary still holds). */
  async commitAll(): Promise<void> {
    await Promise.all(
      [...this.tasks.values()].map((handle) =>
        handle.run(async () => {
          if (!handle.closed && handle.uncommitted > 0 && handle.verified) await this.commit(handle);
        }),
      ),
    );
  }

  /**
   * Commits every task's uncommitted work (unless `commit` is false) and closes all: a graceful stop,
   * after the consumer left or stopped fetching. A batch in flight stops being fed meanwhile.
   */
  async closeAll(commit = true): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.tasks.values()].map((handle) =>
        handle.run(async () => {
          if (handle.closed) return;
          if (commit && handle.uncommitted > 0 && handle.verified) await this.commit(handle).catch(() => undefined);
          if (!handle.closed) this.closeNow(handle);
        }),
      ),
    ).finally(() => (this.closing = false));
  }

  private async feed(handle: TaskHandle<T, O>, batch: FetchedBatch, control: BatchControl): Promise<void> {
    const { records } = batch;
    if (!handle.verified) {
      // Work fed before the rejoin is still ours (a new owner would have fenced us: then this fails).
      if (handle.uncommitted > 0) await this.commit(handle);
      if (handle.task.resume && records.length === 0) return;
      const start = await this.keepingAlive(this.resumePosition(handle, records), control);
      // What is still uncommitted now (held by a commit boundary) was dropped: it is read again.
      handle.uncommitted = 0;
      if (start.rewindTo !== undefined) {
        handle.position = handle.committedPosition;
        control.seek(start.rewindTo);
        return;
      }
      const { committed } = start;
      handle.verified = true;
      handle.position = committed;
      handle.committedPosition = committed;
      handle.firstFetched = records.length > 0 ? BigInt(records[0].offset) : undefined;
      if (committed !== undefined && records.length > 0 && BigInt(records[0].offset) < committed) {
        control.seek(committed);
        return;
      }
    }
    // A batch fetched before a seek took effect may start below the position: skip that part.
    const from = handle.position;
    // Offsets ascend within a batch: when the first is not below the position, none is.
    const fresh = from === undefined || records.length === 0 || BigInt(records[0].offset) >= from ? records : records.filter((r) => BigInt(r.offset) >= from);
    const lag = BigInt(batch.highWatermark) - BigInt(batch.lastOffset) - 1n;
    this.options.observer?.onBatch?.(handle.tp, lag > 0n ? lag : 0n, fresh.length);
    let at = 0;
    while (at < fresh.length) {
      if (!control.isActive() || handle.closed || this.closing) return;
      const next = BigInt(fresh[at].offset);
      const boundary = handle.task.commitBoundary?.(next);
      if (boundary !== undefined && boundary < next) {
        // The task's batch ends before this record: commit it first.
        await this.keepingAlive(this.commit(handle, true), control);
        continue;
      }
      // Small chunks, so the interval is checked while a large fetch is worked through: the next
      // stage (read committed) sees output every interval, not once per fetch.
      const take = Math.max(1, Math.min(this.options.maxUncommittedRecords - handle.uncommitted, this.options.chunkRecords ?? 1000));
      let chunk = fresh.slice(at, at + take);
      if (boundary !== undefined) chunk = chunk.filter((r) => BigInt(r.offset) <= boundary);
      at += chunk.length;
      await handle.task.process(chunk, handle.context);
      // The final chunk covers the markers after the last record too.
      const last = at >= fresh.length ? batch.lastOffset : chunk[chunk.length - 1].offset;
      if (handle.uncommitted === 0) handle.uncommittedSince = this.now();
      handle.uncommitted += chunk.length;
      handle.position = BigInt(last) + 1n;
      control.resolveOffset(last);
      const atBoundary = boundary !== undefined && handle.position > boundary;
      if (
        atBoundary ||
        handle.uncommitted >= this.options.maxUncommittedRecords ||
        handle.task.wantsCommit?.(this.now()) ||
        (at < fresh.length && this.now() - handle.uncommittedSince >= this.options.commitIntervalMs)
      ) {
        await this.keepingAlive(this.commit(handle, atBoundary), control);
      }
      try {
        await control.heartbeat();
      } catch {
        // A rebalance is under way: stop here; a kept task commits what it fed when it is verified again.
        return;
      }
    }
    handle.caughtUp = lag <= 0n;
    handle.lastBatchAt = this.now();
    // Revoked or stopping meanwhile: a kept task commits at its next verification, a closed one never.
    if (!control.isActive()) return;
    if (handle.uncommitted === 0) return;
    const now = this.now();
    if (handle.caughtUp && this.options.commitWhenCaughtUp !== false) {
      const wait = handle.lastCommitAt + (this.options.lingerMs ?? 0) - now;
      if (wait <= 0) await this.keepingAlive(this.commit(handle), control);
      else this.commitLater(handle, wait);
    } else if (now - handle.uncommittedSince >= this.options.commitIntervalMs) {
      await this.keepingAlive(this.commit(handle), control);
    }
  }

  /** A caught-up task within its linger: commits when the linger ends, unless a batch does first. */
  private commitLater(handle: TaskHandle<T, O>, wait: number): void {
    if (handle.lingering) return;
    handle.lingering = setTimeout(() => {
      handle.lingering = undefined;
      void handle
        .run(async () => {
          if (!handle.closed && handle.uncommitted > 0 && handle.verified) await this.commit(handle);
        })
        .catch((error) => this.options.observer?.onWarning?.('lingered commit failed; the task will be restored', { err: error, ...handle.tp }));
    }, wait);
    handle.lingering.unref?.();
  }

  /** Where a task resumes: its own answer, else the group's committed offset. */
  private async resumePosition(handle: TaskHandle<T, O>, records: TaskRecord[]): Promise<ResumePosition> {
    if (handle.task.resume) return handle.task.resume(BigInt(records[0].offset), handle.context);
    return { committed: await this.options.offsets?.committed(this.options.groupId, handle.tp) };
  }

  /** Commits what the task fed; held while the task's commit boundary lies ahead, unless `atBoundary`. */
  private async commit(handle: TaskHandle<T, O>, atBoundary = false): Promise<void> {
    const { tp } = handle;
    if (!atBoundary && handle.position !== undefined) {
      const boundary = handle.task.commitBoundary?.(handle.position);
      if (boundary !== undefined && boundary >= handle.position) return;
    }
    const records = handle.task.prepareCommit(handle.context);
    const moved = handle.position !== undefined && handle.position !== handle.committedPosition;
    if (records.length === 0 && !moved) {
      handle.uncommitted = 0;
      return;
    }
    const request: CommitRequest<O> = {
      records,
      offsets: moved ? { groupId: this.options.groupId, topic: tp.topic, partition: tp.partition, nextOffset: handle.position! } : undefined,
    };
    const started = process.hrtime.bigint();
    try {
      await handle.producer.commit(request);
    } catch (error) {
      this.options.observer?.onAbort?.(tp, error);
      this.closeNow(handle);
      // Outside a batch (timer, linger) nobody seeks now: the partition's next batch does.
      const back = handle.committedPosition ?? handle.firstFetched;
      if (back !== undefined) this.rewinds.set(tpKey(tp), back);
      throw error;
    }
    this.options.observer?.onCommit?.(tp, request, Number(process.hrtime.bigint() - started) / 1e9);
    handle.lastCommitAt = this.now();
    if (handle.lingering) clearTimeout(handle.lingering);
    handle.lingering = undefined;
    handle.committedPosition = handle.position;
    handle.uncommitted = 0;
    handle.task.committed?.(handle.context);
  }

  private handleOf(tp: TopicPartition): Promise<TaskHandle<T, O>> {
    const key = tpKey(tp);
    const open = this.tasks.get(key);
    if (open) return Promise.resolve(open);
    let pending = this.opening.get(key);
    if (!pending) {
      pending = this.open({ topic: tp.topic, partition: tp.partition }).finally(() => this.opening.delete(key));
      this.opening.set(key, pending);
    }
    return pending;
  }

  private async open(tp: TopicPartition): Promise<TaskHandle<T, O>> {
    const { factory, producers } = this.options;
    const transactionalId = factory.transactionalId(tp);
    // Fence first: the state read by open() and the committed offset read later are final then.
    const producer = await producers.open(transactionalId);
    let task: T;
    try {
      task = await factory.open(tp);
    } catch (error) {
      await producers.close(transactionalId, producer).catch(() => undefined);
      throw error;
    }
    const handle = new TaskHandle<T, O>(tp, transactionalId, task, producer);
    this.tasks.set(tpKey(tp), handle);
    return handle;
  }

  private closeNow(handle: TaskHandle<T, O>): void {
    handle.closed = true;
    if (handle.lingering) clearTimeout(handle.lingering);
    const key = tpKey(handle.tp);
    if (this.tasks.get(key) === handle) this.tasks.delete(key);
    handle.task.close?.();
    void this.options.producers.close(handle.transactionalId, handle.producer).catch(() => undefined);
  }

  private keepingAlive<R>(work: Promise<R>, control: BatchControl): Promise<R> {
    return whileHeartbeating(work, () => control.heartbeat());
  }
}
