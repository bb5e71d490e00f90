/**
 * Sends realistic demo traffic to the running platform for a while: trades with symbols and amounts,
 * sensor readings and clicks, plus a few duplicates, invalid, rule-breaking and late events, so
 * aggregates, warehouse rows, lake files and DLQ records appear within a minute.
 *   npm run demo [-- --seconds 60 --rate 200 --api http://127.0.0.1:3000]
 * Signs its own token with JWT_SECRET (or the secret the local start script generated).
 */
import { randomUUID } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import { resolve } from 'path';
import { signToken } from '@platform/auth';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const api = option('api', process.env.INGEST_API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const seconds = Number(option('seconds', '60'));
const rate = Number(option('rate', '200'));
const secretFile = resolve(process.env.DATA_DIR ?? '.data', 'run/dev-jwt-secret');
const secret = process.env.JWT_SECRET ?? (existsSync(secretFile) ? readFileSync(secretFile, 'utf8').trim() : '');
if (!secret) {
  console.error(`JWT_SECRET is not set and ${secretFile} does not exist: start the platform with npm run start:local first, or set JWT_SECRET`);
  process.exit(2);
}
const token = signToken(secret, { subject: 'demo', scopes: ['events:*'], expiresInSeconds: 3600, issuer: process.env.JWT_ISSUER, audience: process.env.JWT_AUDIENCE });

const symbols = ['AAPL', 'MSFT', 'JPM', 'XOM', 'PFE'];
const pages = ['/', '/pricing', '/docs', '/signup', '/blog/launch'];
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];
const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
const devices = Array.from({ length: 12 }, (_, i) => `sensor-${i}`);

type Event = Record<string, unknown>;

function trade(now: number): Event {
  const quantity = 1 + Math.floor(Math.random() * 100);
  return {
    event_id: randomUUID(), timestamp: now - Math.floor(Math.random() * 2000), event_type: 'transaction', user_id: pick(users),
    payload: { symbol: pick(symbols), side: pick(['BUY', 'SELL']), quantity, amount: Math.round(quantity * (50 + Math.random() * 400) * 100) / 100, currency: pick(['USD', 'USD', 'EUR', 'GBP']) },
  };
}
function reading(now: number): Event {
  return {
    event_id: randomUUID(), timestamp: now - Math.floor(Math.random() * 2000), event_type: 'iot.sensor', device_id: pick(devices), user_id: pick(users),
    payload: { temperature: Math.round((18 + Math.random() * 10) * 10) / 10, humidity: Math.round((30 + Math.random() * 40) * 10) / 10, battery: Math.round(Math.random() * 1000) / 10, unit: 'C' },
  };
}
function click(now: number): Event {
  return {
    event_id: randomUUID(), timestamp: now - Math.floor(Math.random() * 2000), event_type: 'clickstream', user_id: pick(users),
    payload: { page: pick(pages), action: pick(['view', 'click', 'scroll', 'submit']), element: null, referrer: null, duration_ms: Math.floor(Math.random() * 30000) },
  };
}

const counts = { accepted: 0, rejected: 0, duplicates: 0, failed: 0, ruleBreaking: 0, late: 0 };

async function post(topic: string, events: Event[]): Promise<void> {
  const response = await fetch(`${api}/api/v1/events/${topic}/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ events }),
  });
  if (!response.ok && response.status !== 207) {
    counts.failed += events.length;
    const text = await response.text();
    if (counts.failed <= events.length) console.error(`POST ${topic}/batch answered ${response.status}: ${text.slice(0, 300)}`);
    return;
  }
  const body = (await response.json()) as { results?: Array<{ status?: string; duplicate?: boolean; error_code?: string }> };
  for (const result of body.results ?? []) {
    if (result.duplicate) counts.duplicates++;
    else if (result.error_code || result.status === 'rejected' || result.status === 'error') counts.rejected++;
    else counts.accepted++;
  }
}

async function main(): Promise<void> {
  console.log(`Sending demo traffic to ${api} for ${seconds}s at about ${rate} events/s (Ctrl-C to stop)...`);
  const started = Date.now();
  let tick = 0;
  while (Date.now() - started < seconds * 1000) {
    const now = Date.now();
    const perType = Math.max(1, Math.round(rate / 3 / 2)); // two ticks a second
    const trades = Array.from({ length: perType }, () => trade(now));
    const readings = Array.from({ length: perType }, () => reading(now));
    const clicks = Array.from({ length: perType }, () => click(now));
    if (tick % 4 === 0) {
      trades.push({ ...trade(now), payload: { symbol: 'ZZZZ', side: 'BUY', quantity: 1, amount: 10, currency: 'USD' } }); // unknown symbol: DLQ
      trades.push({ ...trade(now), payload: { symbol: 'AAPL', side: 'SELL', quantity: 1, amount: -5, currency: 'USD' } }); // negative amount: DLQ
      counts.ruleBreaking += 2;
      readings.push({ ...reading(now), timestamp: now - 20 * 60_000 }); // far behind the watermark: late topic
      counts.late++;
      clicks.push({ ...click(now), payload: { page: '/', action: 'teleport' } }); // not in the schema: 400 for this item
      trades.push(trades[0]); // a retried POST of the same event: counted once
    }
    await Promise.all([post('events.transaction', trades), post('events.iot.sensor', readings), post('events.clickstream', clicks)]).catch((error) => {
      counts.failed++;
      console.error(`request failed: ${(error as Error).message}`);
    });
    tick++;
    if (tick % 10 === 0) console.log(`  ${Math.round((Date.now() - started) / 1000)}s: ${JSON.stringify(counts)}`);
    const wait = started + tick * 500 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  console.log(`Done: ${JSON.stringify(counts)}`);
  console.log('Look at the results:');
  console.log('  npm run query -- "SELECT event_type, count(*) FROM raw.events GROUP BY 1"');
  console.log('  npm run query -- "SELECT * FROM analytics.aggregated_events ORDER BY window_start DESC LIMIT 10"');
  console.log('  npm run dlq -- list --limit 10');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
