// The platform's web console: one page, Preact components written with htm (no build step), uPlot
// charts, jsdiff for schema diffs. It talks only to the ingest API's public endpoints with the
// token the user pasted; what the token's scopes forbid is not offered.
import { h, render } from '/console/vendor/preact.js';
import { useCallback, useEffect, useMemo, useRef, useState } from '/console/vendor/hooks.js';
import htm from '/console/vendor/htm.js';
import uPlot from '/console/vendor/uplot.js';

const html = htm.bind(h);
const TOKEN_KEY = 'console.token';
const PAGES = [
  ['overview', 'Overview'],
  ['topics', 'Topics'],
  ['schemas', 'Schemas'],
  ['aggregates', 'Aggregates'],
  ['dlq', 'Dead letters'],
];

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? `${body.error_code}: ${body.message}` : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function api(token) {
  return async (path, options = {}) => {
    const response = await fetch(path, {
      method: options.method || 'GET',
      headers: { authorization: `Bearer ${token}`, ...(options.body ? { 'content-type': 'application/json' } : {}) },
      body: options.body ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  };
}

const fmt = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US', { maximumFractionDigits: 2 }));
const pretty = (value) => JSON.stringify(value, null, 2);
const streamUrl = (path, params) => {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
  return url.toString();
};

function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.message || String(error)}</p>`;
}

/** A uPlot line chart; `series` is [{ label, values }] aligned with `t` (epoch seconds). */
function Chart({ title, t, series, unit }) {
  const box = useRef(null);
  const plot = useRef(null);
  const key = series.map((s) => s.label).join('|');
  useEffect(() => {
    if (!box.current) return undefined;
    const colors = ['#1f5fbf', '#17803d', '#b42318', '#9a6700', '#7c3aed', '#0e7490', '#be185d'];
    const opts = {
      width: Math.max(320, box.current.clientWidth - 8),
      height: 200,
      // One point alone would stretch the time axis over years: give it a minute either side.
      scales: { x: { time: true, range: (_u, min, max) => (min === max ? [min - 60, max + 60] : [min, max]) } },
      legend: { live: false },
      axes: [{}, { label: unit, size: 60 }],
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colors[i % colors.length], width: 2, spanGaps: true }))],
    };
    plot.current = new uPlot(opts, [t, ...series.map((s) => s.values)], box.current);
    return () => plot.current && plot.current.destroy();
  }, [key]);
  useEffect(() => {
    if (plot.current) plot.current.setData([t, ...series.map((s) => s.values)]);
  }, [t, series]);
  return html`<figure class="panel" style="margin:0">
    <figcaption><h3>${title}</h3></figcaption>
    <div class="chart" ref=${box} role="img" aria-label=${`${title}: ${series.map((s) => `${s.label} ${fmt(s.values[s.values.length - 1])}`).join(', ') || 'no data yet'}`}></div>
  </figure>`;
}

function Overview({ call }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stop = false;
    let timer;
    const load = async () => {
      try {
        const next = await call('/api/v1/console/overview');
        if (stop) return;
        setData(next);
        setError(null);
        timer = setTimeout(load, next.interval_ms);
      } catch (e) {
        if (stop) return;
        setError(e);
        timer = setTimeout(load, 5000);
      }
    };
    load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [call]);
  if (!data) return html`<${ErrorNote} error=${error} /><p aria-live="polite">Loading the overview…</p>`;
  const events = data.topics.filter((tp) => tp.role === 'events');
  const side = data.topics.filter((tp) => tp.role === 'dlq' || tp.role === 'late');
  const series = (list, dir) => list.map((tp) => ({ label: tp.topic, values: data.series.topics[tp.topic] ? data.series.topics[tp.topic][dir] : [] }));
  const lagSeries = Object.entries(data.series.lag).map(([group, values]) => ({ label: group, values }));
  return html`<section aria-labelledby="overview-title">
    <h2 id="overview-title">Overview</h2>
    <${ErrorNote} error=${error} />
    <div class="panel">
      <h3>Pipeline stages</h3>
      <ul class="stages" aria-label="Pipeline stages">
        ${data.stages.map((s) => html`<li class="stage" data-stage=${s.name}><strong>${s.name}</strong> <span class=${s.up ? 'up' : 'down'}>${s.up ? 'up' : 'down'}</span> <span class="note">${s.detail}</span></li>`)}
      </ul>
      <p class="note" aria-live="polite">Sampled ${data.sampled_at ? new Date(data.sampled_at).toLocaleTimeString() : 'never'} · every ${data.interval_ms / 1000} s · watermark lag ${data.watermark_lag_seconds === null ? 'unknown' : `${fmt(data.watermark_lag_seconds)} s`}</p>
    </div>
    <div class="grid">
      <${Chart} title="Events in per topic (events/s)" unit="events/s" t=${data.series.t} series=${series(events, 'in')} />
      <${Chart} title="Events out per topic (events/s)" unit="events/s" t=${data.series.t} series=${series(events, 'out')} />
      <${Chart} title="Consumer lag per group (records)" unit="records" t=${data.series.t} series=${lagSeries} />
      <${Chart} title="Dead letters and late events (records/s)" unit="records/s" t=${data.series.t} series=${series(side, 'in')} />
      <${Chart} title="Watermark lag (s)" unit="s" t=${data.series.t} series=${[{ label: 'processor', values: data.series.watermark_lag }]} />
    </div>
    <div class="grid">
      <div class="panel">
        <h3 id="topics-table">Topics</h3>
        <table aria-labelledby="topics-table">
          <thead><tr><th scope="col">Topic</th><th scope="col">Role</th><th scope="col" class="num">Partitions</th><th scope="col" class="num">End offset</th></tr></thead>
          <tbody>${data.topics.map((tp) => html`<tr data-topic=${tp.topic}><td>${tp.topic}</td><td>${tp.role}</td><td class="num">${tp.partitions.length}</td><td class="num end-offset">${tp.end_offset}</td></tr>`)}</tbody>
        </table>
      </div>
      <div class="panel">
        <h3 id="groups-table">Consumer groups</h3>
        <table aria-labelledby="groups-table">
          <thead><tr><th scope="col">Group</th><th scope="col">Topics</th><th scope="col" class="num">Lag</th></tr></thead>
          <tbody>${data.groups.length === 0 ? html`<tr><td colspan="3" class="note">No group has committed on the pipeline's topics yet.</td></tr>` : data.groups.map((g) => html`<tr><td>${g.group}</td><td>${g.topics.join(', ')}</td><td class="num">${fmt(g.lag)}</td></tr>`)}</tbody>
        </table>
      </div>
    </div>
  </section>`;
}

function Topics({ call, token, session }) {
  const [topics, setTopics] = useState([]);
  const [error, setError] = useState(null);
  const readable = session.topics.filter((tp) => tp.read);
  const [topic, setTopic] = useState(readable.length ? readable[0].topic : '');
  const [keyFilter, setKeyFilter] = useState('');
  const [tailing, setTailing] = useState(false);
  const [paused, setPaused] = useState(false);
  const [records, setRecords] = useState([]);
  const [status, setStatus] = useState('Not tailing.');
  const socket = useRef(null);
  const positions = useRef(new Map());

  // Offsets need admin:console; the live tail only the topic's read scope.
  const refresh = useCallback(() => (session.can.console ? call('/api/v1/console/topics').then((b) => setTopics(b.topics)).catch(setError) : undefined), [call]);
  useEffect(() => {
    refresh();
  }, [refresh]);

  const close = () => {
    if (socket.current) socket.current.close(1000);
    socket.current = null;
  };
  const open = (resume) => {
    close();
    const from = resume ? [...positions.current].map(([p, o]) => `${p}:${o + 1}`).join(',') : '';
    const ws = new WebSocket(streamUrl(`/api/v1/stream/${encodeURIComponent(topic)}`, { access_token: token, key: keyFilter, from }));
    socket.current = ws;
    ws.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === 'subscribed') setStatus(`Tailing ${data.topic}${resume ? ' (resumed where it paused)' : ''}.`);
      else if (data.type === 'event') {
        positions.current.set(data.partition, data.offset);
        setRecords((list) => [data, ...list].slice(0, 200));
      }
    };
    ws.onclose = (event) => {
      if (socket.current === ws) {
        socket.current = null;
        setStatus(event.code === 1000 ? 'Stopped.' : `The stream closed (${event.code}${event.reason ? `: ${event.reason}` : ''}).`);
      }
    };
  };
  useEffect(() => close, []);

  const start = (event) => {
    event.preventDefault();
    positions.current = new Map();
    setRecords([]);
    setPaused(false);
    setTailing(true);
    open(false);
  };
  const stop = () => {
    close();
    setTailing(false);
    setPaused(false);
  };
  const togglePause = () => {
    if (paused) {
      setPaused(false);
      open(true);
    } else {
      close();
      setPaused(true);
      setStatus('Paused; resuming continues from the last event shown.');
    }
  };

  return html`<section aria-labelledby="topics-title">
    <h2 id="topics-title">Topics</h2>
    <${ErrorNote} error=${error} />
    ${session.can.console
      ? html`<div class="panel">
          <div class="row"><h3 id="topic-list" style="margin:0">Event topics</h3><button class="secondary" onClick=${refresh}>Refresh offsets</button></div>
          <table aria-labelledby="topic-list">
            <thead><tr><th scope="col">Topic</th><th scope="col">Role</th><th scope="col">Partitions: first–end offset</th><th scope="col" class="num">End offset</th></tr></thead>
            <tbody>${topics.map((tp) => html`<tr><td>${tp.topic}</td><td>${tp.role}</td><td>${tp.partitions.map((p) => `${p.partition}: ${p.low}–${p.high}`).join(' · ') || 'not created yet'}</td><td class="num">${tp.end_offset}</td></tr>`)}</tbody>
          </table>
        </div>`
      : html`<p class="note">Partitions and offsets need the admin:console scope.</p>`}
    <div class="panel">
      <h3>Live tail</h3>
      ${readable.length === 0
        ? html`<p class="note">This token may not read any event topic.</p>`
        : html`<form class="row" onSubmit=${start}>
            <label>Topic to tail<select value=${topic} onChange=${(e) => setTopic(e.target.value)} disabled=${tailing}>${readable.map((tp) => html`<option value=${tp.topic}>${tp.topic}</option>`)}</select></label>
            <label>Key filter (optional)<input value=${keyFilter} onInput=${(e) => setKeyFilter(e.target.value)} disabled=${tailing} /></label>
            ${tailing ? null : html`<button type="submit">Start tail</button>`}
            ${tailing ? html`<button type="button" class="secondary" onClick=${togglePause}>${paused ? 'Resume' : 'Pause'}</button>` : null}
            ${tailing ? html`<button type="button" class="secondary" onClick=${stop}>Stop</button>` : null}
          </form>`}
      <p class="note" role="status">${status} ${records.length} event${records.length === 1 ? '' : 's'} shown.</p>
      <ol class="tail" aria-label="Tailed events, newest first" reversed>
        ${records.map((r) => html`<li class="tail-event" key=${`${r.partition}:${r.offset}`}><span class="note">partition ${r.partition} · offset ${r.offset} · key ${r.key ?? '—'}</span><pre>${pretty(r.event)}</pre></li>`)}
      </ol>
    </div>
  </section>`;
}

function SideBySide({ left, right }) {
  const parts = window.Diff.diffLines(left, right);
  const leftLines = [];
  const rightLines = [];
  // Blank lines opposite each removed or added block keep the unchanged lines side by side.
  const pad = (count, key) => html`<span class="pad" aria-hidden="true" key=${key}>${'\n'.repeat(count)}</span>`;
  parts.forEach((part, i) => {
    if (part.removed) {
      leftLines.push(html`<span class="del" key=${`l${i}`}>${part.value}</span>`);
      rightLines.push(pad(part.count, `r${i}`));
    } else if (part.added) {
      rightLines.push(html`<span class="add" key=${`r${i}`}>${part.value}</span>`);
      leftLines.push(pad(part.count, `l${i}`));
    } else {
      leftLines.push(html`<span key=${`l${i}`}>${part.value}</span>`);
      rightLines.push(html`<span key=${`r${i}`}>${part.value}</span>`);
    }
  });
  const changed = parts.filter((p) => p.added || p.removed).length;
  return html`<div>
    <p class="note" role="status">${changed === 0 ? 'The two versions are identical.' : `${changed} changed block${changed === 1 ? '' : 's'}: removed lines on the left, added lines on the right.`}</p>
    <div class="diff"><pre aria-label="Left version" tabindex="0">${leftLines}</pre><pre aria-label="Right version" tabindex="0">${rightLines}</pre></div>
  </div>`;
}

function Schemas({ call, session }) {
  const [subjects, setSubjects] = useState([]);
  const [subject, setSubject] = useState('');
  const [left, setLeft] = useState('');
  const [right, setRight] = useState('');
  const [texts, setTexts] = useState(null);
  const [draft, setDraft] = useState('');
  const [verdict, setVerdict] = useState(null);
  const [error, setError] = useState(null);
  const load = useCallback(
    () =>
      call('/api/v1/console/schemas')
        .then((b) => {
          setSubjects(b.subjects);
          setSubject((s) => s || (b.subjects[0] ? b.subjects[0].subject : ''));
        })
        .catch(setError),
    [call],
  );
  useEffect(() => {
    load();
  }, [load]);
  const current = subjects.find((s) => s.subject === subject);
  useEffect(() => {
    setTexts(null);
    setVerdict(null);
  }, [subject]);
  useEffect(() => {
    if (!current) return;
    const versions = current.versions;
    setLeft(String(versions.length > 1 ? versions[versions.length - 2] : versions[0]));
    setRight(String(versions[versions.length - 1]));
  }, [subject, current && current.versions.join(',')]);
  const version = (v) => call(`/api/v1/console/schemas/${encodeURIComponent(subject)}/versions/${v}`).then((b) => pretty(JSON.parse(b.schema)));
  const showDiff = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const [a, b] = await Promise.all([version(left), version(right)]);
      setTexts({ left: a, right: b, labels: [left, right] });
      if (!draft) setDraft(b);
    } catch (e) {
      setError(e);
    }
  };
  const check = async (register) => {
    setError(null);
    setVerdict(null);
    try {
      if (register) {
        const result = await call(`/api/v1/console/schemas/${encodeURIComponent(subject)}/versions`, { method: 'POST', body: { schema: draft } });
        setVerdict({ ...result.verdict, registered: result.id });
        load();
      } else {
        setVerdict(await call(`/api/v1/console/schemas/${encodeURIComponent(subject)}/compatibility`, { method: 'POST', body: { schema: draft } }));
      }
    } catch (e) {
      if (e.body && e.body.details && e.body.details.verdict) setVerdict(e.body.details.verdict);
      setError(e);
    }
  };
  return html`<section aria-labelledby="schemas-title">
    <h2 id="schemas-title">Schemas</h2>
    <${ErrorNote} error=${error} />
    <div class="panel scroll" tabindex="0" aria-label="Subjects list">
      <table aria-label="Subjects">
        <thead><tr><th scope="col">Subject</th><th scope="col">Versions</th><th scope="col">Compatibility</th></tr></thead>
        <tbody>${subjects.map((s) => html`<tr><td>${s.subject}</td><td>${s.versions.join(', ')}</td><td>${s.compatibility}</td></tr>`)}</tbody>
      </table>
    </div>
    ${current
      ? html`<div class="panel">
          <h3>Compare two versions</h3>
          <form class="row" onSubmit=${showDiff}>
            <label>Subject<select value=${subject} onChange=${(e) => setSubject(e.target.value)}>${subjects.map((s) => html`<option value=${s.subject}>${s.subject}</option>`)}</select></label>
            <label>Left version<select value=${left} onChange=${(e) => setLeft(e.target.value)}>${current.versions.map((v) => html`<option value=${String(v)}>${v}</option>`)}</select></label>
            <label>Right version<select value=${right} onChange=${(e) => setRight(e.target.value)}>${current.versions.map((v) => html`<option value=${String(v)}>${v}</option>`)}</select></label>
            <button type="submit">Show diff</button>
          </form>
          ${texts ? html`<h4>Version ${texts.labels[0]} ↔ version ${texts.labels[1]} (compatibility ${current.compatibility})</h4><${SideBySide} left=${texts.left} right=${texts.right} />` : null}
        </div>
        <div class="panel">
          <h3>New version of ${subject}</h3>
          <label style="display:flex">Schema (Avro JSON)<textarea rows="10" value=${draft} onInput=${(e) => setDraft(e.target.value)}></textarea></label>
          <div class="row" style="margin-top:8px">
            <button type="button" class="secondary" onClick=${() => check(false)} disabled=${!draft}>Check compatibility</button>
            ${session.can.register_schemas ? html`<button type="button" onClick=${() => check(true)} disabled=${!draft}>Check and register</button>` : html`<span class="note">Registering needs the admin:schemas scope.</span>`}
          </div>
          ${verdict
            ? html`<p role="status" class=${verdict.is_compatible ? 'verdict-ok' : 'verdict-bad'}>${verdict.is_compatible ? 'Compatible' : 'Not compatible'}${verdict.registered ? ` — registered as schema id ${verdict.registered}` : ''}</p>
                ${verdict.messages && verdict.messages.length ? html`<ul>${verdict.messages.map((m) => html`<li>${m}</li>`)}</ul>` : null}`
            : null}
        </div>`
      : null}
  </section>`;
}

function Aggregates({ call, token, session }) {
  const allowed = session.topics.filter((tp) => tp.aggregates);
  const [type, setType] = useState(allowed.length ? allowed[0].event_type : '');
  const [key, setKey] = useState('');
  const [windowName, setWindowName] = useState(session.windows[0] || '');
  const [shown, setShown] = useState(null);
  const [windows, setWindows] = useState([]);
  const [updates, setUpdates] = useState(0);
  const [error, setError] = useState(null);
  const socket = useRef(null);
  const load = useCallback(
    (query) =>
      call(`/api/v1/aggregates/${encodeURIComponent(query.type)}/${encodeURIComponent(query.key)}/windows/${encodeURIComponent(query.window)}?limit=200`)
        .then((b) => setWindows(b.windows))
        .catch(setError),
    [call],
  );
  useEffect(() => () => socket.current && socket.current.close(1000), []);
  const show = (event) => {
    event.preventDefault();
    setError(null);
    const query = { type, key, window: windowName };
    setShown(query);
    setUpdates(0);
    load(query);
    if (socket.current) socket.current.close(1000);
    const ws = new WebSocket(streamUrl('/api/v1/stream/aggregates', { access_token: token, event_type: type, group_key: key, window: windowName }));
    ws.onmessage = (message) => {
      if (JSON.parse(message.data).type === 'event') {
        setUpdates((n) => n + 1);
        load(query);
      }
    };
    socket.current = ws;
  };
  const ordered = useMemo(() => [...windows].sort((a, b) => a.window_start - b.window_start), [windows]);
  const t = ordered.map((w) => w.window_start / 1000);
  return html`<section aria-labelledby="aggregates-title">
    <h2 id="aggregates-title">Aggregates</h2>
    <${ErrorNote} error=${error} />
    ${allowed.length === 0
      ? html`<p class="note">This token may not read aggregates.</p>`
      : html`<form class="panel row" onSubmit=${show}>
          <label>Event type<select value=${type} onChange=${(e) => setType(e.target.value)}>${allowed.map((tp) => html`<option value=${tp.event_type}>${tp.event_type}</option>`)}</select></label>
          <label>Key<input required value=${key} onInput=${(e) => setKey(e.target.value)} /></label>
          <label>Window<select value=${windowName} onChange=${(e) => setWindowName(e.target.value)}>${session.windows.map((w) => html`<option value=${w}>${w}</option>`)}</select></label>
          <button type="submit">Show windows</button>
        </form>`}
    ${shown
      ? html`<p class="note" role="status">${ordered.length} window${ordered.length === 1 ? '' : 's'} for ${shown.type} / ${shown.key} / ${shown.window}; ${updates} live update${updates === 1 ? '' : 's'} received (a late correction arrives as a new version).</p>
          <${Chart} title=${`Count and sum per window (${shown.window})`} unit="value" t=${t} series=${[
            { label: 'count', values: ordered.map((w) => w.count) },
            { label: 'sum', values: ordered.map((w) => w.sum_value) },
          ]} />
          <div class="panel"><table aria-label="Windows">
            <thead><tr><th scope="col">Window start</th><th scope="col" class="num">Count</th><th scope="col" class="num">Sum</th><th scope="col" class="num">Avg</th><th scope="col" class="num">Version</th><th scope="col">Final</th></tr></thead>
            <tbody>${[...ordered].reverse().map((w) => html`<tr><td>${new Date(w.window_start).toISOString()}</td><td class="num">${w.count}</td><td class="num">${fmt(w.sum_value)}</td><td class="num">${fmt(w.avg_value)}</td><td class="num">${w.version}</td><td>${w.is_final ? 'yes' : 'no'}</td></tr>`)}</tbody>
          </table></div>`
      : null}
  </section>`;
}

function DeadLetters({ call, session }) {
  const [filters, setFilters] = useState({ reason: '', source_topic: '', since: '', until: '' });
  const [records, setRecords] = useState(null);
  const [selected, setSelected] = useState(new Set());
  const [inspected, setInspected] = useState(null);
  const [results, setResults] = useState(null);
  const [error, setError] = useState(null);
  const load = useCallback(async () => {
    setError(null);
    try {
      const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
      const body = await call(`/api/v1/admin/dlq?${query}`);
      setRecords(body.records);
    } catch (e) {
      setError(e);
    }
  }, [call, filters]);
  useEffect(() => {
    if (session.can.dlq) load();
  }, []);
  if (!session.can.dlq) return html`<section><h2>Dead letters</h2><p class="note">Dead letters need the admin:dlq scope.</p></section>`;
  const toggle = (id) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const inspect = async (id) => {
    setError(null);
    try {
      setInspected(await call(`/api/v1/console/dlq/${encodeURIComponent(id)}`));
    } catch (e) {
      setError(e);
    }
  };
  const replay = async () => {
    setError(null);
    setResults(null);
    try {
      const body = await call('/api/v1/admin/dlq/replay', { method: 'POST', body: { ids: [...selected] } });
      setResults(body.results);
      setSelected(new Set());
    } catch (e) {
      setError(e);
    }
  };
  const set = (name) => (e) => setFilters({ ...filters, [name]: e.target.value });
  return html`<section aria-labelledby="dlq-title">
    <h2 id="dlq-title">Dead letters</h2>
    <${ErrorNote} error=${error} />
    <form class="panel row" onSubmit=${(e) => (e.preventDefault(), load())}>
      <label>Reason<select value=${filters.reason} onChange=${set('reason')}>${['', 'BUSINESS_RULE', 'DESERIALIZATION', 'SCHEMA_VALIDATION', 'LATE', 'EVENT_TIME_SKEW', 'SINK_WRITE', 'UNKNOWN_EVENT_TYPE', 'PROCESSING'].map((r) => html`<option value=${r}>${r || 'any'}</option>`)}</select></label>
      <label>Source topic<select value=${filters.source_topic} onChange=${set('source_topic')}><option value="">any</option>${session.topics.map((tp) => html`<option value=${tp.topic}>${tp.topic}</option>`)}</select></label>
      <label>Since (ISO-8601)<input value=${filters.since} onInput=${set('since')} placeholder="2026-01-01T00:00:00Z" /></label>
      <label>Until (ISO-8601)<input value=${filters.until} onInput=${set('until')} /></label>
      <button type="submit">Filter</button>
    </form>
    <div class="panel">
      <div class="row"><span role="status">${records ? `${records.length} dead letter${records.length === 1 ? '' : 's'}` : 'Loading…'}</span><button type="button" onClick=${replay} disabled=${selected.size === 0}>Replay selected (${selected.size})</button></div>
      ${results
        ? html`<div role="status" class="replay-results"><h3>Replay outcome</h3><ul>${results.map((r) => html`<li>${r.id}: ${r.status}${r.source_topic ? ` → ${r.source_topic} partition ${r.partition} offset ${r.offset}` : ''}${r.reason ? ` (${r.reason})` : ''}</li>`)}</ul></div>`
        : null}
      <table aria-label="Dead letters">
        <thead><tr><th scope="col">Select</th><th scope="col">Id</th><th scope="col">Reason</th><th scope="col">Source</th><th scope="col">Event id</th><th scope="col" class="num">Attempts</th><th scope="col">Last attempt</th><th scope="col">Details</th></tr></thead>
        <tbody>${(records || []).map(
          (r) => html`<tr data-dlq-id=${r.id}>
            <td><input type="checkbox" id=${`pick-${r.id}`} checked=${selected.has(r.id)} onChange=${() => toggle(r.id)} aria-label=${`Select dead letter ${r.id}`} /></td>
            <td>${r.id}</td><td>${r.record.error_type}</td><td>${r.record.source_topic} [${r.record.source_partition}] @${r.record.source_offset}</td>
            <td>${r.record.event_id || '—'}</td><td class="num">${r.record.retry_count}</td><td>${r.record.last_attempt_time}</td>
            <td><button type="button" class="secondary" onClick=${() => inspect(r.id)} aria-label=${`Inspect dead letter ${r.id}`}>Inspect</button></td>
          </tr>`,
        )}</tbody>
      </table>
    </div>
    ${inspected
      ? html`<div class="panel" aria-labelledby="inspect-title">
          <h3 id="inspect-title">Dead letter ${inspected.id}</h3>
          <p><strong>${inspected.record.error_type}</strong>: ${inspected.record.error_message}</p>
          <p class="note">From ${inspected.record.source_topic} partition ${inspected.record.source_partition} offset ${inspected.record.source_offset}; failed in ${inspected.record.failed_in}; ${inspected.record.retry_count} retries, first ${inspected.record.first_attempt_time}, last ${inspected.record.last_attempt_time}; trace ${inspected.record.trace_id || '—'}</p>
          <h4>Original message${inspected.decoded.schema_id !== null ? ` (schema id ${inspected.decoded.schema_id})` : ''}</h4>
          ${inspected.decoded.error ? html`<p class="error">Could not decode: ${inspected.decoded.error}</p>` : html`<pre tabindex="0" aria-label="Decoded original message">${pretty(inspected.decoded.value)}</pre>`}
        </div>`
      : null}
  </section>`;
}

function SignIn({ onToken, error }) {
  const [value, setValue] = useState('');
  return html`<main class="signin"><div class="panel">
    <h1 style="font-size:20px">Event platform console</h1>
    <form onSubmit=${(e) => (e.preventDefault(), onToken(value.trim()))}>
      <label style="display:flex">Access token (the JWT the API accepts)<textarea id="token" rows="5" value=${value} onInput=${(e) => setValue(e.target.value)} required></textarea></label>
      <p class="note">The token stays in this tab (session storage) and is sent only to this API.</p>
      <${ErrorNote} error=${error} />
      <button type="submit">Sign in</button>
    </form>
  </div></main>`;
}

function currentPage() {
  const name = window.location.hash.replace(/^#\/?/, '');
  return PAGES.some(([id]) => id === name) ? name : 'overview';
}

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) || '');
  const [session, setSession] = useState(null);
  const [error, setError] = useState(null);
  const [page, setPage] = useState(currentPage());
  const call = useMemo(() => api(token), [token]);
  useEffect(() => {
    const onHash = () => setPage(currentPage());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (!token) return;
    call('/api/v1/console/session')
      .then((s) => {
        sessionStorage.setItem(TOKEN_KEY, token);
        setSession(s);
        setError(null);
      })
      .catch((e) => {
        sessionStorage.removeItem(TOKEN_KEY);
        setToken('');
        setError(e);
      });
  }, [token]);
  const firstPage = useRef(true);
  useEffect(() => {
    // Moving between sections puts keyboard focus at the new section's start.
    const main = document.getElementById('content');
    if (main && !firstPage.current) main.focus();
    firstPage.current = false;
  }, [page]);
  if (!token || !session) return html`<${SignIn} onToken=${setToken} error=${error} />`;
  const signOut = () => {
    sessionStorage.removeItem(TOKEN_KEY);
    setSession(null);
    setToken('');
  };
  const visible = PAGES.filter(([id]) => id !== 'dlq' || session.can.dlq);
  const needsConsole = (page === 'overview' || page === 'schemas') && !session.can.console;
  const props = { call, token, session };
  return html`<a class="skip" href="#content">Skip to content</a>
    <header class="top">
      <h1>Event platform</h1>
      <nav aria-label="Sections"><ul>${visible.map(([id, label]) => html`<li><a href=${`#/${id}`} aria-current=${page === id ? 'page' : undefined}>${label}</a></li>`)}</ul></nav>
      <div class="who"><span>Signed in as ${session.subject}</span><button class="secondary" onClick=${signOut}>Sign out</button></div>
    </header>
    <main id="content" tabindex="-1">
      ${needsConsole
        ? html`<p class="note">This page needs the admin:console scope.</p>`
        : page === 'overview'
          ? html`<${Overview} ...${props} />`
          : page === 'topics'
            ? html`<${Topics} ...${props} />`
            : page === 'schemas'
              ? html`<${Schemas} ...${props} />`
              : page === 'aggregates'
                ? html`<${Aggregates} ...${props} />`
                : html`<${DeadLetters} ...${props} />`}
    </main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
