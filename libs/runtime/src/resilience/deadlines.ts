/**
 * Many timeouts of one duration on one timer. Deadlines of equal duration expire in the order they
 * were set, so they form a queue: one timer is armed for the oldest pending one, settled entries are
 * skipped when reached. A request path that bounds every call this way costs an array slot per call
 * instead of a timer and the promises of `withTimeout`.
 */
interface Entry {
  at: number;
  /** Rejects the bounded promise; dropped once the work settles. */
  expire: (() => void) | undefined;
}

export class DeadlineQueue {
  private entries: Entry[] = [];
  private head = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ms: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** `work`'s outcome, or a rejection with `message` once `ms` passed without it. */
  bound<T>(work: Promise<T>, message: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { at: this.now() + this.ms, expire: () => reject(new Error(message)) };
      this.entries.push(entry);
      if (this.timer === undefined) this.arm(entry.at);
      // A settled entry waits in the queue until the timer reaches it: it must not keep the caller's
      // promise (and whatever its continuation holds) alive for the whole duration.
      work.then(
        (value) => {
          entry.expire = undefined;
          resolve(value);
        },
        (error: unknown) => {
          entry.expire = undefined;
          reject(error);
        },
      );
    });
  }

  /** Entries not yet expired or skipped (settled ones are dropped when the queue reaches them). */
  get size(): number {
    return this.entries.length - this.head;
  }

  private arm(at: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - this.now()));
    // A pending deadline never keeps a stopping process alive.
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.now();
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head];
      const expire = entry.expire;
      if (expire && entry.at > now) break;
      this.head++;
      if (expire) {
        entry.expire = undefined;
        expire();
      }
    }
    // Drop the consumed prefix now and then rather than shifting on every expiry.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.entries.length) this.arm(this.entries[this.head].at);
  }
}
