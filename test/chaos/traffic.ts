/**
 * Chaos traffic: trades, sensor readings and clicks POSTed in batches, with duplicates (re-POSTs of
 * acknowledged events), disorder within the out-of-orderness bound, rule-breaking, schema-invalid and
 * late events. A client that does what a real one should: a batch that fails (network error, 5xx,
 * 429) is sent again with the same event ids until the API acknowledges it. The ledger records what
 * the API acknowledged; verification compares the platform's output with it.
 */
import { randomUUID } from 'crypto';

export type EventKind = 'valid' | 'rule-breaking' | 'schema-invalid' | 'late';

export interface ChaosEvent {
  event_id: string;
  timestamp: number;
  event_type: string;
  user_id?: string;
  device_id?: string;
  payload: Record<string, unknown>;
}

export interface LedgerEntry {
  event: ChaosEvent;
  kind: EventKind;
}

export class Ledger {
  /** Events the API answered 2xx for (published or duplicate), by event_id. */
  readonly acknowledged = new Map<string, LedgerEntry>();
  /** Schema-invalid events the API refused, as it must. */
  readonly refused = new Map<string, LedgerEntry>();
  /** Events answered in a way they should not have been (e.g. a valid event refused). */
  readonly wrongAnswers: string[] = [];
  posts = 0;
  failedPosts = 0;
  /** The longest single POST (one attempt), in ms. */
  longestPostMs = 0;
  resentEvents = 0;
  /** The first failed attempts, as `+Ns api topic #attempt: answer`, to tell what a fault cost. */
  readonly failures: string[] = [];

  noteFailure(line: string): void {
    if (this.failures.length < 20) this.failures.push(line);
  }

  ofKind(kind: EventKind): ChaosEvent[] {
    return [...this.acknowledged.values()].filter((e) => e.kind === kind).map((e) => e.event);
  }
}

const SYMBOLS = ['AAPL', 'MSFT', 'JPM', 'XOM', 'PFE'];
const PAGES = ['/', '/pricing', '/docs', '/signup', '/blog/launch'];
const USERS = Array.from({ length: 60 }, (_, i) => `chaos-user-${i}`);
const DEVICES = Array.from({ length: 24 }, (_, i) => `chaos-sensor-${i}`);

/** Deterministic pseudo-random numbers, so a run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

export class TrafficGenerator {
  private readonly recent: LedgerEntry[] = [];
  /**
   * Late events are only sent once this is set: before every windowing task has heard from every
   * source, no watermark exists yet and an old event is, correctly, not late.
   */
  lateEventsFrom = 0;

  constructor(private readonly random: () => number, private readonly disorderMs: number) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private eventTime(now: number): number {
    return now - Math.floor(this.random() * this.disorderMs);
  }

  /** A new event; its kind is drawn at random unless given (about 2% are not valid). */
  make(type: string, now: number, forcedKind?: EventKind): LedgerEntry {
    const roll = this.random();
    const drawn: EventKind = roll < 0.01 ? 'rule-breaking' : roll < 0.015 ? 'schema-invalid' : roll < 0.02 ? 'late' : 'valid';
    const kind: EventKind = forcedKind ?? (drawn === 'late' && now < this.lateEventsFrom ? 'valid' : drawn);
    const timestamp = kind === 'late' ? now - 3 * 3600_000 : forcedKind ? now : this.eventTime(now);
    const base = { event_id: randomUUID(), timestamp, event_type: type, user_id: this.pick(USERS) };
    let event: ChaosEvent;
    if (type === 'transaction') {
      const quantity = 1 + Math.floor(this.random() * 100);
      const amount = kind === 'rule-breaking' ? (this.random() < 0.5 ? -5 : 10) : Math.round(quantity * (50 + this.random() * 400) * 100) / 100;
      const symbol = kind === 'rule-breaking' && amount > 0 ? 'ZZZZ' : this.pick(SYMBOLS);
      event = { ...base, payload: { symbol, side: this.pick(['BUY', 'SELL']), quantity, amount, currency: this.pick(['USD', 'EUR', 'GBP']) } };
    } else if (type === 'iot.sensor') {
      const temperature = kind === 'rule-breaking' ? 500 : Math.round((18 + this.random() * 10) * 10) / 10;
      event = { ...base, device_id: this.pick(DEVICES), payload: { temperature, humidity: Math.round(this.random() * 1000) / 10, battery: Math.round(this.random() * 1000) / 10, unit: 'C' } };
    } else {
      const duration = kind === 'rule-breaking' ? -1 : Math.floor(this.random() * 30_000);
      event = { ...base, payload: { page: this.pick(PAGES), action: this.pick(['view', 'click', 'scroll', 'submit']), element: null, referrer: null, duration_ms: duration } };
    }
    if (kind === 'schema-invalid') event.payload = { page: '/', action: 'teleport' };
    const entry = { event, kind };
    if (kind === 'valid') {
      this.recent.push(entry);
      if (this.recent.length > 500) this.recent.shift();
    }
    return entry;
  }

  /** An earlier event sent again unchanged, as a client retrying after a lost answer would. */
  duplicate(type: string): LedgerEntry | undefined {
    const candidates = this.recent.filter((e) => e.event.event_type === type);
    return candidates.length > 0 ? this.pick(candidates) : undefined;
  }
}

export interface PosterOptions {
  apiUrl: string;
  token: string;
  /** How long one batch may keep being retried before the run gives up on it. */
  giveUpAfterMs: number;
}

/** POSTs one batch until the API answers it, recording each item's answer in the ledger. */
export async function postUntilAnswered(options: PosterOptions, topic: string, entries: LedgerEntry[], ledger: Ledger): Promise<void> {
  const started = Date.now();
  let attempt = 0;
  for (;;) {
    attempt++;
    ledger.posts++;
    if (attempt > 1) ledger.resentEvents += entries.length;
    const attemptStarted = Date.now();
    try {
      const response = await fetch(`${options.apiUrl}/api/v1/events/${topic}/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ events: entries.map((e) => e.event) }),
        signal: AbortSignal.timeout(30_000),
      });
      ledger.longestPostMs = Math.max(ledger.longestPostMs, Date.now() - attemptStarted);
      if (response.status < 300 || response.status === 207) {
        const body = (await response.json()) as { results: Array<{ status?: string; error_code?: string; event_id?: string }> };
        body.results.forEach((result, i) => record(ledger, entries[i], result));
        return;
      }
      const text = await response.text();
      ledger.noteFailure(`${new Date(attemptStarted).toISOString()} ${options.apiUrl} ${topic} #${attempt} after ${Date.now() - attemptStarted} ms: ${response.status} ${text.slice(0, 200)}`);
      // 429 (throttled), 409 (an earlier attempt of these events is still being written) and 408 (the
      // request did not arrive whole in time; RFC 9110 lets the client repeat it) ask for a retry.
      if (response.status < 500 && ![408, 409, 429].includes(response.status)) throw new Error(`batch to ${topic} refused with ${response.status}`);
    } catch (error) {
      if ((error as Error).message.includes('refused with')) throw error;
      ledger.noteFailure(`${new Date(attemptStarted).toISOString()} ${options.apiUrl} ${topic} #${attempt} after ${Date.now() - attemptStarted} ms: ${(error as Error).message}`);
    }
    ledger.failedPosts++;
    if (Date.now() - started > options.giveUpAfterMs) throw new Error(`a batch to ${topic} was not acknowledged within ${options.giveUpAfterMs} ms`);
    await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2)));
  }
}

function record(ledger: Ledger, entry: LedgerEntry, result: { status?: string; error_code?: string }): void {
  const id = entry.event.event_id;
  const accepted = !result.error_code && (result.status === 'published' || result.status === 'duplicate');
  if (entry.kind === 'schema-invalid') {
    if (accepted) ledger.wrongAnswers.push(`${id}: schema-invalid event was accepted`);
    else ledger.refused.set(id, entry);
    return;
  }
  if (accepted) ledger.acknowledged.set(id, entry);
  else ledger.wrongAnswers.push(`${id}: ${entry.kind} event refused with ${result.error_code ?? result.status}`);
}

export { SYMBOLS };
