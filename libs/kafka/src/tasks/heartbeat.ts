/**
 * kafkajs heartbeats only between batches or when a batch asks: work that keeps a batch waiting
 * (a restore, a commit, a flush) must keep the group membership alive, or the group moves the
 * partitions away in the middle of it.
 */
export async function whileHeartbeating<R>(work: Promise<R>, heartbeat: () => Promise<void>, everyMs = 1000): Promise<R> {
  const beat = setInterval(() => void heartbeat().catch(() => undefined), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(beat);
  }
}
