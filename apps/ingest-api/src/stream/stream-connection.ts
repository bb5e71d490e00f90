/**
 * One subscribed socket. Live records are filtered (start offsets, event type, key; on the aggregated
 * topic also group keys and window name) and sent at
 * once; while the catch-up read runs they wait in a bounded buffer. A client whose send buffer
 * passes the limit is closed with 1013 and a reason naming where to resume; nothing grows without
 * bound. Catch-up sends pace themselves on the socket's buffer instead of filling it.
 */
import type { WebSocket } from 'ws';
import { ingestMetrics } from '../metrics';
import type { FeedRecord, FeedSubscriber } from './topic-feed';
import type { StreamFilters } from './subscription-plan';

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;
export const CLOSE_TRY_AGAIN_LATER = 1013;
const OPEN = 1;

export interface ConnectionLimits {
  maxBufferedBytes: number;
  /** Live records held while the catch-up read runs. */
  maxPendingRecords: number;
}

export class StreamConnection implements FeedSubscriber {
  alive = true;
  private live = false;
  private closed = false;
  private pending: FeedRecord[] = [];
  private liveFrom = new Map<number, bigint>();
  /** Next offset owed to the client per partition (for the resume hint when it is dropped). */
  private readonly nextOffsets = new Map<number, bigint>();
  private readonly groupKeys?: ReadonlySet<string>;

  constructor(
    readonly socket: WebSocket,
    private readonly filters: StreamFilters,
    private readonly limits: ConnectionLimits,
    private readonly onClosed: (connection: StreamConnection) => void,
  ) {
    if (filters.groupKeys) this.groupKeys = new Set(filters.groupKeys);
  }

  get keyFilter(): string | undefined {
    return this.filters.key;
  }

  /** Must be set right after joining the feed, before any record can arrive. */
  startLiveAt(liveFrom: Map<number, bigint>, start: Map<number, bigint>): void {
    this.liveFrom = liveFrom;
    for (const [partition, offset] of start) this.nextOffsets.set(partition, offset);
  }

  onRecord(record: FeedRecord): void {
    if (this.closed) return;
    const from = this.liveFrom.get(record.partition);
    if (from !== undefined && record.offset < from) return;
    if (!this.live) {
      if (this.pending.length >= this.limits.maxPendingRecords) {
        this.drop(CLOSE_TRY_AGAIN_LATER, 'too far behind while catching up');
        return;
      }
      this.pending.push(record);
      return;
    }
    this.deliver(record);
  }

  /** Sends the catch-up records (in partition order), pacing on the socket buffer; false when closed meanwhile. */
  async sendCatchUp(records: FeedRecord[], deadline: number): Promise<boolean> {
    for (const record of records) {
      if (this.closed) return false;
      while (this.socket.bufferedAmount > this.limits.maxBufferedBytes / 2) {
        if (Date.now() > deadline || this.socket.readyState !== OPEN) {
          this.drop(CLOSE_TRY_AGAIN_LATER, 'could not deliver the resume range in time');
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      this.deliver(record);
    }
    return !this.closed;
  }

  /** Ends the catch-up phase: buffered live records go out, later ones are sent as they come. */
  goLive(): void {
    if (this.closed) return;
    this.live = true;
    const pending = this.pending;
    this.pending = [];
    for (const record of pending) this.deliver(record);
  }

  send(message: string): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    this.socket.send(message);
  }

  private deliver(record: FeedRecord): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    if (this.filters.eventType !== undefined && record.eventType !== this.filters.eventType) return this.advance(record);
    if (this.filters.key !== undefined && record.key !== this.filters.key) return this.advance(record);
    if (this.groupKeys && (record.groupKey === null || !this.groupKeys.has(record.groupKey))) return this.advance(record);
    if (this.filters.windowName !== undefined && record.windowName !== this.filters.windowName) return this.advance(record);
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      ingestMetrics.droppedSlowClients.inc();
      this.drop(CLOSE_TRY_AGAIN_LATER, `slow consumer; resume with from=${this.resumeHint()}`);
      return;
    }
    this.socket.send(record.json);
    ingestMetrics.wsMessages.inc();
    this.advance(record);
  }

  private advance(record: FeedRecord): void {
    this.nextOffsets.set(record.partition, record.offset + 1n);
  }

  private resumeHint(): string {
    const hint = [...this.nextOffsets].map(([p, o]) => `${p}:${o}`).join(',');
    return hint.length > 80 ? hint.slice(0, 80) : hint;
  }

  /** Closes with a code and reason; a client that does not complete the close handshake is cut off. */
  drop(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.onClosed(this);
    try {
      this.socket.close(code, reason.slice(0, 120));
    } catch {
      this.socket.terminate();
    }
    setTimeout(() => this.socket.terminate(), 2000).unref();
  }

  /** The socket closed by itself. */
  closedByPeer(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.onClosed(this);
  }
}
