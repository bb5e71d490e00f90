/**
 * The web console in a real browser (Debian's headless Chromium driven by puppeteer-core) against a
 * private platform (registry, ingest API, processor, sink on ports 34000+, private topics on the
 * shared broker): sign in with a token, watch the overview move while events are posted, tail a
 * topic, register a schema version and open the diff, inspect and replay a dead letter and see it
 * counted once downstream. Screenshots of every page go to reports/console/. The browser's log must
 * stay free of errors throughout.
 */
import { existsSync, mkdirSync } from 'fs';
import { join, resolve } from 'path';
import { Client } from 'pg';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { Type } from 'avsc';
import { DlqRecord, HEADERS } from '@platform/contracts';
import { createIdempotentProducer, createKafka } from '@platform/kafka';
import { frame } from '@platform/schema';
import { eventually, TEST_BROKERS } from '@test/support';
import { PrivatePlatform } from '../support/platform';

// Functions passed to page.evaluate/waitForFunction run in the browser; the test's program has no DOM types.
declare const document: any;

const BASE_PORT = 34000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = resolve(__dirname, '../../reports/console');
const WAIT = { timeout: 60_000 };

describe('web console in a real browser', () => {
  let platform: PrivatePlatform;
  let browser: Browser;
  let page: Page;
  const browserErrors: string[] = [];

  const post = async (topic: string, event: object, token = platform.token()) => {
    const response = await fetch(`${platform.apiUrl}/api/v1/events/${topic}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(event),
    });
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 201, body: expect.objectContaining({ status: 'published' }) });
  };
  const topicOf = (name: string) => platform.pipeline.eventTypes.find((t) => t.name === name)!;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const go = async (section: string) => {
    // Through the navigation links, with the keyboard: focus the link, press Enter.
    await page.focus(`nav a[href="#/${section}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`nav a[href="#/${section}"][aria-current="page"]`, WAIT);
  };
  const clickText = (text: string) => page.locator(`::-p-text(${text})`).click();
  const textOf = (selector: string) => page.$eval(selector, (el) => el.textContent ?? '');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    mkdirSync(SHOTS, { recursive: true });
    platform = new PrivatePlatform({
      basePort: BASE_PORT,
      sharedBrokers: TEST_BROKERS.join(','),
      watermark: { idle_timeout: '2s' },
      sinkEnv: { SINK_FLUSH_INTERVAL: '500ms' },
      // A generous registry timeout: the API registers its schemas once at start and, if that times out
      // on a loaded machine, again only when an event is posted, so it would not turn ready before.
      ingestEnv: { REGISTRY_TIMEOUT: '20s', CONSOLE_SAMPLE_INTERVAL: '1s', CONSOLE_STAGES: `processor=http://127.0.0.1:${BASE_PORT + 101},sink=http://127.0.0.1:${BASE_PORT + 102}` },
    });
    await platform.start();
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 768 });
    page.on('console', (message) => {
      if (message.type() === 'error') browserErrors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => browserErrors.push(`page: ${(error as Error).message}`));
  }, 240_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await platform?.stop(true);
  }, 120_000);

  afterEach(() => {
    expect(browserErrors).toEqual([]);
  });

  it('refuses sign-in with a bad token, then signs in from the keyboard with a good one', async () => {
    await page.goto(`${platform.apiUrl}/console`);
    await page.waitForSelector('#token', WAIT);
    await page.type('#token', 'not-a-token');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.error[role="alert"]', WAIT);
    expect(await textOf('.error[role="alert"]')).toContain('UNAUTHORIZED');
    browserErrors.length = 0; // the refused request's 401 is logged by the browser, as it should be

    await page.$eval('#token', (el) => ((el as unknown as { value: string }).value = ''));
    await page.focus('#token');
    await page.type('#token', platform.token(['admin', 'events:*']));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('nav[aria-label="Sections"]', WAIT);
    expect(await page.$$eval('nav a', (links) => links.map((a) => a.textContent))).toEqual(['Overview', 'Topics', 'Schemas', 'Aggregates', 'Dead letters']);
  });

  it('overview: every stage up, and offsets and rates move while events are posted', async () => {
    const iot = topicOf('iot.sensor').topic;
    for (const stage of ['ingest-api', 'schema-registry', 'processor', 'sink']) await page.waitForSelector(`[data-stage="${stage}"] .up`, WAIT);
    const endCell = `tr[data-topic="${iot}"] .end-offset`;
    await page.waitForSelector(endCell, WAIT);
    const before = Number(await textOf(endCell));

    let posting = true;
    let posted = 0;
    const poster = (async () => {
      while (posting) {
        await post(iot, { event_id: `ov-${platform.suffix}-${posted}`, timestamp: Date.now(), event_type: 'iot.sensor', device_id: `dev-${posted % 3}`, payload: { temperature: 20 + (posted % 5), humidity: 40 } });
        if (posted % 2 === 0) {
          const trade = { symbol: 'MSFT', side: 'SELL', quantity: 1, amount: 3 + (posted % 4), currency: 'USD' };
          await post(topicOf('transaction').topic, { event_id: `ov-t-${platform.suffix}-${posted}`, timestamp: Date.now(), event_type: 'transaction', user_id: `u-${posted % 4}`, payload: trade });
        }
        posted++;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      await page.waitForFunction((sel, min) => Number(document.querySelector(sel)?.textContent) >= min, WAIT, endCell, before + 5);
      // The "events in" chart's latest point for the topic is a positive rate.
      await page.waitForFunction(
        (topic) => {
          const label = [...document.querySelectorAll('figure')].find((f) => f.textContent?.includes('Events in per topic'))?.querySelector('[role="img"]')?.getAttribute('aria-label') ?? '';
          const match = new RegExp(`${topic.replace(/\./g, '\\.')} ([0-9.,]+)`).exec(label);
          return match !== null && Number(match[1].replace(/,/g, '')) > 0;
        },
        WAIT,
        iot,
      );
      // Consumer lag per group: the processor's groups appear once they have committed.
      await page.waitForFunction(() => [...document.querySelectorAll('table[aria-labelledby="groups-table"] td:first-child')].some((td) => td.textContent?.startsWith('processor-')), WAIT);
    } finally {
      posting = false;
      await poster;
    }
    expect(Number(await textOf(endCell))).toBeGreaterThanOrEqual(before + 5);
    await shot('overview');
  });

  it('topics: a live tail shows a posted event, and resumes after a pause without losing one', async () => {
    const iot = topicOf('iot.sensor').topic;
    await go('topics');
    await page.waitForSelector('select', WAIT);
    await page.select('form select', iot);
    await clickText('Start tail');
    await page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent?.startsWith('Tailing'), WAIT);

    const first = `tail-${platform.suffix}-1`;
    await post(iot, { event_id: first, timestamp: Date.now(), event_type: 'iot.sensor', device_id: 'dev-tail', payload: { temperature: 21.5, humidity: 50 } });
    await page.waitForFunction((id) => [...document.querySelectorAll('.tail-event pre')].some((pre) => pre.textContent?.includes(`"event_id": "${id}"`)), WAIT, first);

    await clickText('Pause');
    await page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent?.startsWith('Paused'), WAIT);
    const second = `tail-${platform.suffix}-2`;
    await post(iot, { event_id: second, timestamp: Date.now(), event_type: 'iot.sensor', device_id: 'dev-tail', payload: { temperature: 22.5, humidity: 51 } });
    await clickText('Resume');
    await page.waitForFunction((id) => [...document.querySelectorAll('.tail-event pre')].some((pre) => pre.textContent?.includes(`"event_id": "${id}"`)), WAIT, second);
    // Each event once: the resumed stream starts after the last one shown.
    const ids = await page.$$eval('.tail-event pre', (pres) => pres.map((pre) => JSON.parse(pre.textContent ?? '{}').event_id as string));
    expect(ids.filter((id) => id === first || id === second).sort()).toEqual([first, second]);
    await shot('topics');
    await clickText('Stop');
  });

  it('schemas: checks compatibility, registers a new version and shows the diff side by side', async () => {
    const subject = `console.probe.${platform.suffix}-value`;
    const v1 = { type: 'record', name: 'Probe', fields: [{ name: 'id', type: 'string' }] };
    const v2 = { ...v1, fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null }] };
    const broken = { ...v1, fields: [{ name: 'id', type: 'int' }] };
    const registered = await fetch(`${platform.apiUrl}/api/v1/console/schemas/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${platform.token(['admin:console', 'admin:schemas'])}` },
      body: JSON.stringify({ schema: JSON.stringify(v1) }),
    });
    expect(registered.status).toBe(200);

    await go('schemas');
    await page.waitForFunction((s) => [...document.querySelectorAll('option')].some((o) => o.value === s), WAIT, subject);
    await page.select('form select', subject);
    const draft = 'textarea';
    const typeDraft = async (schema: object) => {
      await page.$eval(draft, (el) => ((el as unknown as { value: string }).value = ''));
      await page.type(draft, JSON.stringify(schema));
    };

    await typeDraft(broken);
    await clickText('Check compatibility');
    await page.waitForSelector('.verdict-bad', WAIT);
    await typeDraft(v2);
    await clickText('Check compatibility');
    await page.waitForSelector('.verdict-ok', WAIT);
    await clickText('Check and register');
    await page.waitForFunction(() => document.querySelector('.verdict-ok')?.textContent?.includes('registered as schema id'), WAIT);

    // The new version is listed; the diff compares version 1 (left) and 2 (right).
    await page.waitForFunction(() => [...document.querySelectorAll('label')].find((l) => l.textContent?.startsWith('Right version'))?.querySelector('select')?.value === '2', WAIT);
    await clickText('Show diff');
    await page.waitForSelector('.diff .add', WAIT);
    expect(await textOf('.diff .add')).toContain('"note"');
    expect(await page.$$('.diff .del')).toHaveLength(0);
    await shot('schemas');

    // Over HTTP: an incompatible version is refused with the registry's verdict, nothing registered.
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${platform.token(['admin'])}` };
    const refused = await fetch(`${platform.apiUrl}/api/v1/console/schemas/${subject}/versions`, { method: 'POST', headers, body: JSON.stringify({ schema: JSON.stringify(broken) }) });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual(expect.objectContaining({ error_code: 'SCHEMA_INCOMPATIBLE', details: { verdict: expect.objectContaining({ is_compatible: false }) } }));
    const missing = await fetch(`${platform.apiUrl}/api/v1/console/schemas/${subject}/versions/3`, { headers });
    expect({ status: missing.status, code: ((await missing.json()) as { error_code: string }).error_code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const invalid = await fetch(`${platform.apiUrl}/api/v1/console/schemas/${subject}/compatibility`, { method: 'POST', headers, body: JSON.stringify({ schema: '{not json' }) });
    expect({ status: invalid.status, code: ((await invalid.json()) as { error_code: string }).error_code }).toEqual({ status: 400, code: 'INVALID_SCHEMA' });
  });

  it('dead letters: inspect one decoded, replay it twice, and it is counted once downstream', async () => {
    const transaction = topicOf('transaction');
    // Event time now: the watermark already follows the events the earlier steps posted (time now).
    const at = Date.now();
    const windowStartMs = Math.floor(at / 60_000) * 60_000;
    const eventId = `dlq-${platform.suffix}`;
    const user = `u-${platform.suffix}`;
    const event = { event_id: eventId, timestamp: at, event_type: 'transaction', user_id: user, device_id: null, trace_id: `trace-${eventId}`, metadata: null, payload: { symbol: 'AAPL', side: 'BUY', quantity: 2, amount: 12.5, currency: 'USD' } };

    // The original bytes as the ingest API writes them: Avro with the registry's id for the subject.
    const admin = `Bearer ${platform.token(['admin'])}`;
    const latest = (await (await fetch(`${platform.apiUrl}/api/v1/console/schemas/${transaction.subject}/versions/1`, { headers: { authorization: admin } })).json()) as { id: number; schema: string };
    const original = frame(latest.id, Type.forSchema(JSON.parse(latest.schema)).toBuffer(event));
    // A literal DLQ record as the processor writes one after a transient failure.
    const dlq: DlqRecord = {
      original_message: original.toString('base64'),
      original_key: user,
      original_headers: { [HEADERS.eventId]: eventId, [HEADERS.traceId]: event.trace_id, [HEADERS.eventType]: 'transaction' },
      error_type: 'PROCESSING',
      error_message: 'state store unavailable',
      retry_count: 3,
      first_attempt_time: new Date(at + 1000).toISOString(),
      last_attempt_time: new Date(at + 2000).toISOString(),
      source_topic: transaction.topic,
      source_partition: 0,
      source_offset: '7',
      event_id: eventId,
      trace_id: event.trace_id,
      failed_in: 'processor',
    };
    const kafka = createKafka({ clientId: 'console-e2e', brokers: TEST_BROKERS });
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    await producer.send({ topic: platform.pipeline.topics.dlq.name, acks: -1, messages: [{ key: user, value: Buffer.from(JSON.stringify(dlq)) }] });
    await producer.disconnect();

    await go('dlq');
    await page.select('form select', 'PROCESSING');
    await clickText('Filter');
    const row = `tr[data-dlq-id]`;
    await page.waitForSelector(row, WAIT);
    const id = await page.$eval(row, (tr) => tr.getAttribute('data-dlq-id')!);
    await page.click(`button[aria-label="Inspect dead letter ${id}"]`);
    await page.waitForSelector('pre[aria-label="Decoded original message"]', WAIT);
    expect(JSON.parse(await textOf('pre[aria-label="Decoded original message"]'))).toEqual(expect.objectContaining({ event_id: eventId, payload: expect.objectContaining({ symbol: 'AAPL', amount: 12.5 }) }));

    // Replayed twice (as an operator unsure the first went through might): each outcome names a new offset.
    const outcomes: string[] = [];
    for (let round = 1; round <= 2; round++) {
      await page.click(`input[aria-label="Select dead letter ${id}"]`);
      await clickText('Replay selected');
      await page.waitForFunction((previous) => {
        const text = document.querySelector('.replay-results')?.textContent ?? '';
        return text.includes(': replayed') && !previous.includes(text);
      }, WAIT, outcomes);
      outcomes.push(await textOf('.replay-results'));
    }
    expect(outcomes[0]).toContain(`${id}: replayed → ${transaction.topic} partition`);
    await shot('dead-letters');

    // Far ahead in event time, same key: once the other partitions go idle the watermark closes the window.
    await post(transaction.topic, { event_id: `${eventId}-flush`, timestamp: at + 45 * 60_000, event_type: 'transaction', user_id: user, payload: { symbol: 'MSFT', side: 'BUY', quantity: 1, amount: 1, currency: 'USD' } });

    // Downstream, in the browser: the aggregate window of the replayed event counts it once.
    await go('aggregates');
    await page.select('form select', 'transaction');
    await page.type('form input', 'AAPL');
    await clickText('Show windows');
    const windowStart = new Date(windowStartMs).toISOString();
    const cells = await eventually(
      async () => {
        const rows = await page.$$eval('table[aria-label="Windows"] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
        const found = rows.find((cells) => cells[0] === windowStart && cells[5] === 'yes');
        if (!found) await clickText('Show windows');
        return found;
      },
      'the final tumbling_1m window of the replayed event',
      90_000,
      1000,
    ).catch(async (error) => {
      const ask = async (path: string) => (await fetch(`${platform.apiUrl}${path}`, { headers: { authorization: admin } })).text();
      throw new Error(`${(error as Error).message}\nserving: ${await ask('/api/v1/aggregates/transaction/AAPL/windows/tumbling_1m?limit=50')}\nMSFT: ${await ask('/api/v1/aggregates/transaction/MSFT')}\ndlq: ${await ask('/api/v1/admin/dlq')}\noverview groups: ${JSON.stringify(JSON.parse(await ask('/api/v1/console/overview')).groups)}`);
    });
    expect(cells[1]).toBe('1');
    await shot('aggregates');

    // And in the warehouse: one raw row for the event id.
    const pg = new Client(platform.warehouseConnection);
    await pg.connect();
    try {
      const rows = await eventually(async () => {
        const { rows } = await pg.query('SELECT count(*)::int AS n FROM raw.events WHERE event_id = $1', [eventId]);
        return rows[0].n > 0 ? rows : undefined;
      }, 'the replayed event in raw.events', 60_000, 250);
      expect(rows[0].n).toBe(1);
    } finally {
      await pg.end();
    }
  });

  it('a token without console scopes sees no console data and no dead letters', async () => {
    const token = platform.token(['events:read:*']);
    const get = (path: string) => fetch(`${platform.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const session = (await (await get('/api/v1/console/session')).json()) as { can: Record<string, boolean> };
    expect(session.can).toEqual({ console: false, dlq: false, register_schemas: false });
    const overview = await get('/api/v1/console/overview');
    expect(overview.status).toBe(403);
    expect(await overview.json()).toEqual(expect.objectContaining({ error_code: 'FORBIDDEN', details: { required: 'admin:console' } }));
    expect((await get('/api/v1/console/dlq/0:0')).status).toBe(403);
    expect((await fetch(`${platform.apiUrl}/api/v1/console/topics`)).status).toBe(401);
  });

  it('in the browser, a reader token is offered only what it may do', async () => {
    await clickText('Sign out');
    await page.waitForSelector('#token', WAIT);
    await page.type('#token', platform.token(['events:read:*']));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('nav[aria-label="Sections"]', WAIT);
    // No dead letters section; the overview explains the missing scope instead of failing.
    expect(await page.$$eval('nav a', (links) => links.map((a) => a.textContent))).toEqual(['Overview', 'Topics', 'Schemas', 'Aggregates']);
    await go('overview');
    expect(await textOf('main')).toContain('needs the admin:console scope');
    // The live tail and aggregates stay usable: the token reads events (and so their aggregates).
    await go('topics');
    await page.waitForSelector('form select', WAIT);
    expect(await textOf('main')).toContain('Partitions and offsets need the admin:console scope');
    await go('aggregates');
    await page.waitForSelector('form select', WAIT);
    expect(await textOf('main')).not.toContain('may not read aggregates');
  });

  it('documents the console endpoints in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${platform.apiUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/console/session',
        '/api/v1/console/overview',
        '/api/v1/console/topics',
        '/api/v1/console/schemas',
        '/api/v1/console/schemas/{subject}/versions/{version}',
        '/api/v1/console/schemas/{subject}/compatibility',
        '/api/v1/console/schemas/{subject}/versions',
        '/api/v1/console/dlq/{id}',
      ]),
    );
    expect(Object.keys(doc.paths['/api/v1/console/overview'].get as object)).toEqual(expect.arrayContaining(['summary', 'responses', 'security']));
  });
});
