/**
 * One stage B task: the windowing engine of one repartition partition, its changelog partition
 * and its transactional producer. Work on a task is serialised (batches and timer ticks).
 */
import { Producer } from 'kafkajs';
import { compactMutations, EngineOutput, NO_WATERMARK, WindowingEngine } from '@platform/windowing';

export class WindowTask {
  private chain: Promise<unknown> = Promise.resolve();
  /** Position checked against the committed offset after this task was opened. */
  verified = false;
  /** The first offset not yet covered by a committed transaction of this task. */
  nextOffset?: bigint;
  /** The last batch reached the partition's end: processing time may then release idle sources. */
  caughtUp = false;
  /** Not yet at the partition end read by the last refresh: every source is held pending. */
  behindRefresh = false;
  lastBatchAt = 0;
  /** Outputs not yet committed (e.g. the assignment of source partitions at open). */
  pending: EngineOutput[] = [];
  closed = false;

  constructor(
    readonly partition: number,
    readonly transactionalId: string,
    readonly engine: WindowingEngine,
    /** The producer that fenced the previous owner when this task was opened. */
    readonly producer: Promise<Producer>,
  ) {}

  /** Runs `work` after everything queued on this task. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** Folds several engine outputs into one (mutations: last write per key). */
export function mergeOutputs(outputs: EngineOutput[]): EngineOutput {
  if (outputs.length === 1) return outputs[0];
  return {
    results: outputs.flatMap((o) => o.results),
    rejected: outputs.flatMap((o) => o.rejected),
    duplicates: outputs.flatMap((o) => o.duplicates),
    mutations: compactMutations(outputs.map((o) => o.mutations)),
    watermark: outputs.length > 0 ? outputs[outputs.length - 1].watermark : NO_WATERMARK,
  };
}
