// Switchboard operations page. No framework, no build step: one SSE feed read with fetch (so the
// bearer token travels in a header, which EventSource cannot send), and a small keyed DOM update so
// rows under the pointer are not replaced every second.
'use strict';

const BASE = '/observe/dashboard';
const TOKEN_KEY = 'switchboard.dashboard.token';
const MAX_EVENTS = 200;
const $ = (id) => document.getElementById(id);

let config = { token_required: false };
let feedAbort = null;
let lastSnapshotAt = 0;
let lastSeq = 0;
let events = [];

// ------------------------------------------------------------------ start and login

document.addEventListener('DOMContentLoaded', start);

async function start() {
  $('login-form').addEventListener('submit', (e) => { e.preventDefault(); login(); });
  $('logout').addEventListener('click', logout);
  $('filter').addEventListener('input', renderEvents);
  setInterval(tickClock, 1000);
  try {
    const r = await fetch(`${BASE}/config`, { cache: 'no-store' });
    config = await r.json();
  } catch {
    setLive('retry', 'Switchboard unreachable');
    setTimeout(start, 3000);
    return;
  }
  $('version').textContent = config.version ? `v${config.version}` : '';
  if (config.token_required && !sessionStorage.getItem(TOKEN_KEY)) {
    showLogin('');
  } else {
    showBoard();
  }
}

function showLogin(message) {
  stopFeed();
  $('board').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  setLive('off', 'not connected');
  $('updated').textContent = '';
  $('token').focus();
}

function showBoard() {
  $('login').hidden = true;
  $('board').hidden = false;
  $('logout').hidden = !config.token_required;
  openFeed();
}

function login() {
  const token = $('token').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  showBoard();
}

function logout() {
  sessionStorage.removeItem(TOKEN_KEY);
  clearBoard();
  showLogin('');
}

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return config.token_required && token ? { Authorization: `Bearer ${token}` } : {};
}

// ------------------------------------------------------------------ the feed

function stopFeed() {
  if (feedAbort) feedAbort.abort();
  feedAbort = null;
}

async function openFeed(delay = 1000) {
  stopFeed();
  const abort = new AbortController();
  feedAbort = abort;
  setLive('retry', 'connecting…');
  let response;
  try {
    response = await fetch(`${BASE}/events`, { headers: { ...authHeaders(), Accept: 'text/event-stream' }, cache: 'no-store', signal: abort.signal });
  } catch {
    if (!abort.signal.aborted) retry(abort, delay);
    return;
  }
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    clearBoard();
    showLogin('That token was refused.');
    return;
  }
  if (!response.ok || !response.body) {
    retry(abort, delay);
    return;
  }
  setLive('live', 'live');
  try {
    for await (const ev of sse(response.body, abort.signal)) {
      if (ev.event === 'snapshot') render(JSON.parse(ev.data));
    }
  } catch {
    // the stream broke: reconnect below
  }
  if (!abort.signal.aborted) retry(abort, 1000);
}

function retry(abort, delay) {
  if (feedAbort !== abort) return;
  setLive('retry', 'reconnecting…');
  setTimeout(() => { if (feedAbort === abort) openFeed(Math.min(delay * 2, 10000)); }, delay);
}

async function* sse(body, signal) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ev = {};
  signal.addEventListener('abort', () => reader.cancel().catch(() => {}));
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (ev.data !== undefined) yield { event: ev.event || 'message', data: ev.data };
        ev = {};
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') ev.data = ev.data === undefined ? val : `${ev.data}\n${val}`;
        else if (field === 'event') ev.event = val;
      }
    }
  }
}

function setLive(state, text) {
  $('live').dataset.state = state;
  $('live-text').textContent = text;
}

function tickClock() {
  if (!lastSnapshotAt) return;
  const age = Math.max(0, Math.round((Date.now() - lastSnapshotAt) / 1000));
  $('updated').textContent = age <= 1 ? 'updated just now' : `updated ${age} s ago`;
  document.querySelectorAll('[data-since]').forEach((el) => { el.textContent = since(el.dataset.since); });
}

// ------------------------------------------------------------------ rendering

function clearBoard() {
  ['systems', 'mcp-endpoints', 'queues', 'breakers', 'drops', 'panels', 'events'].forEach((id) => $(id).replaceChildren());
  events = [];
  lastSeq = 0;
  lastSnapshotAt = 0;
}

function render(s) {
  lastSnapshotAt = Date.now();
  tickClock();
  renderSystems(s.systems || []);
  renderMcp(s.mcp || {});
  renderQueues(s.queues || []);
  renderBreakers(s.breakers || [], s.drops || []);
  renderPanels(s.panels || []);
  if (s.events_complete) { events = []; lastSeq = 0; }
  for (const e of s.events || []) {
    if (e.seq > lastSeq) { events.push(e); lastSeq = e.seq; }
  }
  if (events.length > MAX_EVENTS) events = events.slice(events.length - MAX_EVENTS);
  renderEvents();
}

/** Keyed update: keeps the element of each key, creates and removes only what changed, keeps order. */
function sync(container, items, key, create, update) {
  const existing = new Map();
  for (const el of container.children) existing.set(el.dataset.key, el);
  let prev = null;
  const seen = new Set();
  for (const item of items) {
    const k = String(key(item));
    seen.add(k);
    let el = existing.get(k);
    if (!el) { el = create(item); el.dataset.key = k; }
    update(el, item);
    const want = prev ? prev.nextSibling : container.firstChild;
    if (want !== el) container.insertBefore(el, want);
    prev = el;
  }
  for (const [k, el] of existing) if (!seen.has(k)) el.remove();
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const UUID = /\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** What a cell shows: ids shortened to their first 8 characters, instants in local time (the title keeps all). */
function display(v) {
  if (typeof v === 'number') return num(v);
  const s = v === null || v === undefined ? '' : String(v);
  if (ISO.test(s)) {
    const d = new Date(s);
    return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
  }
  return s.replace(UUID, '$1…');
}

function setText(e, text) {
  const t = text === null || text === undefined ? '' : String(text);
  if (e.textContent !== t) e.textContent = t;
}

function renderSystems(systems) {
  sync($('systems'), systems, (s) => s.name, () => {
    const card = el('article', 'system');
    const row = el('div', 'row');
    row.append(el('span', 'name'), el('span', 'badge'));
    card.append(row, el('div', 'detail'), el('div', 'since'), el('div', 'last-error'));
    return card;
  }, (card, s) => {
    card.dataset.system = s.name;
    card.dataset.state = s.state;
    setText(card.querySelector('.name'), s.name);
    const badge = card.querySelector('.badge');
    badge.dataset.state = s.state;
    setText(badge, s.state.replace('_', ' '));
    setText(card.querySelector('.detail'), s.detail || (s.configured ? '' : 'not configured'));
    const sinceEl = card.querySelector('.since');
    if (s.since) { sinceEl.dataset.since = s.since; setText(sinceEl, since(s.since)); } else setText(sinceEl, '');
    const err = card.querySelector('.last-error');
    setText(err, s.last_error ? `last error: ${s.last_error}` : '');
    err.title = s.last_error_at ? `at ${new Date(s.last_error_at).toLocaleString()}` : '';
  });
}

function since(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `since ${s} s`;
  if (s < 3600) return `since ${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `since ${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `since ${new Date(iso).toLocaleString()}`;
}

function num(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  return Number(v).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function ms(v) {
  if (!v) return '0 ms';
  return v < 10 ? `${num(v, 2)} ms` : v < 1000 ? `${num(v, 0)} ms` : `${num(v / 1000, 2)} s`;
}

function renderMcp(m) {
  setText($('mcp-sessions'), num(m.sessions));
  setText($('mcp-listeners'), num(m.listeners));
  setText($('mcp-rps'), num(m.requests_per_second, 1));
  setText($('mcp-errors'), `${num((m.error_rate || 0) * 100, 1)} %`);
  setText($('mcp-p50'), ms(m.p50_ms));
  setText($('mcp-p99'), ms(m.p99_ms));
  const series = m.series || {};
  spark($('spark-rps'), series.requests_per_second);
  spark($('spark-errors'), series.error_rate, 1);
  spark($('spark-p50'), series.p50_ms);
  spark($('spark-p99'), series.p99_ms);
  const endpoints = m.endpoints || [];
  setText($('mcp-endpoints-count'), `${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}`);
  sync($('mcp-endpoints'), endpoints, (e) => `${e.endpoint}|${e.era}`, () => {
    const tr = el('tr');
    tr.append(el('td', 'mono'), el('td'), el('td', 'num'), el('td', 'num'));
    return tr;
  }, (tr, e) => {
    tr.dataset.endpoint = e.endpoint;
    const [a, b, c, d] = tr.children;
    setText(a, e.endpoint); setText(b, e.era); setText(c, num(e.sessions)); setText(d, num(e.listeners));
  });
}

/** A sparkline: a minute of one-second points, scaled to its own maximum (or `fixedMax`). */
function spark(svg, values, fixedMax) {
  const points = values || [];
  const NS = 'http://www.w3.org/2000/svg';
  let line = svg.querySelector('polyline');
  let area = svg.querySelector('polygon');
  if (!line) {
    area = document.createElementNS(NS, 'polygon');
    line = document.createElementNS(NS, 'polyline');
    svg.append(area, line);
  }
  const W = 120, H = 28, N = 60;
  const max = fixedMax || Math.max(...points, 0) || 1;
  const step = W / (N - 1);
  const offset = N - points.length;
  const xy = points.map((v, i) => `${((offset + i) * step).toFixed(1)},${(H - 1 - (v / max) * (H - 3)).toFixed(1)}`);
  line.setAttribute('points', xy.join(' '));
  area.setAttribute('points', xy.length ? `${(offset * step).toFixed(1)},${H} ${xy.join(' ')} ${W},${H}` : '');
}

function renderQueues(queues) {
  const box = $('queues');
  if (!queues.length) { box.replaceChildren(el('div', 'empty', 'No queues yet')); return; }
  box.querySelector('.empty')?.remove();
  sync(box, queues, (q) => q.name, barElement, updateBar);
}

function barElement() {
  const b = el('div', 'bar');
  const track = el('div', 'track');
  track.append(el('div', 'fill'));
  b.append(el('span', 'qname'), el('span', 'qcount'), track);
  return b;
}

function updateBar(b, q) {
  b.dataset.queue = q.name;
  b.dataset.depth = q.depth;
  const cap = q.capacity;
  const ratio = cap ? Math.min(1, q.depth / cap) : 0;
  b.dataset.level = !cap ? 'unbounded' : ratio >= 1 ? 'red' : ratio >= 0.8 ? 'amber' : 'ok';
  setText(b.querySelector('.qname'), display(q.name));
  b.querySelector('.qname').title = q.name;
  setText(b.querySelector('.qcount'), cap ? `${num(q.depth)} / ${num(cap)}` : `${num(q.depth)} · unbounded`);
  // Unbounded queues show a thin sliver per message, up to a quarter: depth is visible, no false alarm.
  const width = cap ? ratio * 100 : Math.min(25, q.depth);
  b.querySelector('.fill').style.width = `${width}%`;
}

function renderBreakers(breakers, drops) {
  const ul = $('breakers');
  if (!breakers.length) ul.replaceChildren(el('li', 'empty', 'none'));
  else {
    ul.querySelector('.empty')?.remove();
    sync(ul, breakers, (b) => b.name, () => { const li = el('li'); li.append(el('span'), el('span', 'badge')); return li; }, (li, b) => {
      setText(li.children[0], b.name); li.children[0].title = b.name;
      li.children[1].dataset.state = b.state; setText(li.children[1], b.state.replace('_', ' '));
    });
  }
  const dl = $('drops');
  if (!drops.length) dl.replaceChildren(el('li', 'empty', 'none'));
  else {
    dl.querySelector('.empty')?.remove();
    sync(dl, drops, (d) => d.name, () => { const li = el('li'); li.append(el('span'), el('span')); return li; }, (li, d) => {
      setText(li.children[0], d.name); li.children[0].title = d.name; setText(li.children[1], num(d.count));
    });
  }
}

function renderPanels(panels) {
  sync($('panels'), panels, (p) => p.id, (p) => {
    const card = el('section', 'card panel');
    const head = el('div', 'card-head');
    head.append(el('h2'), el('span', 'badge'));
    card.append(head, el('div', 'figures'), el('div', 'bars'), el('div', 'tables'));
    card.setAttribute('aria-label', p.title);
    return card;
  }, (card, p) => {
    card.dataset.panel = p.id;
    setText(card.querySelector('h2'), p.title);
    const badge = card.querySelector('.badge');
    badge.dataset.state = p.state || '';
    setText(badge, (p.state || '').replace('_', ' '));
    sync(card.querySelector('.figures'), p.figures || [], (f) => f.label, () => {
      const f = el('div', 'figure');
      f.append(el('div', 'label'), el('div', 'value'));
      return f;
    }, (f, fig) => {
      setText(f.children[0], fig.label);
      setText(f.children[1], display(fig.value));
      f.children[1].title = String(fig.value ?? '');
    });
    sync(card.querySelector('.bars'), p.queues || [], (q) => q.name, barElement, updateBar);
    sync(card.querySelector('.tables'), p.tables || [], (t) => t.title, tableElement, (box, t) => updateTable(box, t, p.id));
  });
}

function tableElement() {
  const box = el('div', 'table-block');
  const wrap = el('div', 'table-wrap');
  const table = el('table', 'grid');
  table.append(el('thead'), el('tbody'));
  wrap.append(table);
  box.append(el('h3'), wrap, el('div', 'empty'));
  return box;
}

function updateTable(box, t, panelId) {
  box.dataset.table = t.title;
  setText(box.querySelector('h3'), `${t.title} (${t.rows.length})`);
  const head = box.querySelector('thead');
  const columns = t.action ? [...t.columns, ''] : t.columns;
  if (head.dataset.cols !== columns.join('|')) {
    const tr = el('tr');
    columns.forEach((c) => tr.append(el('th', null, c)));
    head.replaceChildren(tr);
    head.dataset.cols = columns.join('|');
  }
  box.querySelector('.table-wrap').hidden = t.rows.length === 0;
  const empty = box.querySelector('.empty');
  empty.hidden = t.rows.length > 0;
  setText(empty, t.empty || 'none');
  sync(box.querySelector('tbody'), t.rows, (r) => r[0], () => el('tr'), (tr, r) => {
    tr.dataset.rowId = r[0];
    const cells = t.action ? r.length + 1 : r.length;
    while (tr.children.length < cells) tr.append(el('td'));
    while (tr.children.length > cells) tr.lastChild.remove();
    r.forEach((v, i) => {
      const td = tr.children[i];
      if (i === 0) td.className = 'mono';
      else if (typeof v === 'number') td.className = 'num';
      setText(td, display(v));
      td.title = String(v ?? '');
    });
    if (t.action && !tr.lastChild.firstChild) {
      const b = el('button', 'small', t.actionLabel || t.action);
      b.type = 'button';
      b.dataset.action = t.action;
      b.addEventListener('click', () => act(panelId, t.action, r[0], t.confirm, b));
      tr.lastChild.append(b);
    }
  });
}

async function act(panelId, action, id, question, button) {
  $('confirm-text').textContent = `${question || `${action}?`}\n${id}`;
  $('confirm-ok').textContent = button.textContent;
  const dialog = $('confirm');
  dialog.returnValue = '';
  dialog.showModal();
  const answer = await new Promise((ok) => dialog.addEventListener('close', () => ok(dialog.returnValue), { once: true }));
  if (answer !== 'ok') return;
  button.disabled = true;
  try {
    const r = await fetch(`${BASE}/actions/${encodeURIComponent(panelId)}/${encodeURIComponent(action)}`, {
      method: 'POST',
      headers: { ...authHeaders(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ ids: [id] }),
    });
    const body = await r.json().catch(() => ({}));
    if (r.status === 401) { showLogin('That token was refused.'); return; }
    if (r.ok && body.success !== false) toast(`${action}: done (${(body.replayed || [id]).length} replayed)`, 'ok');
    else toast(`${action} failed: ${body.error || [...(body.failed || []), ...(body.not_found || [])].join(', ') || r.status}`, 'error');
  } catch (e) {
    toast(`${action} failed: ${e.message}`, 'error');
  } finally {
    button.disabled = false;
  }
}

let toastTimer = null;
function toast(text, kind) {
  const t = $('toast');
  t.textContent = text;
  t.dataset.kind = kind;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 6000);
}

function renderEvents() {
  const q = $('filter').value.trim().toLowerCase();
  const shown = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (!q || `${e.system} ${e.kind} ${e.summary} ${e.outcome} ${e.content || ''}`.toLowerCase().includes(q)) shown.push(e);
  }
  setText($('events-count'), q ? `${shown.length} of ${events.length}` : `${events.length}`);
  sync($('events'), shown, (e) => e.seq, () => {
    const tr = el('tr');
    tr.append(el('td', 'mono'), el('td'), el('td'), el('td'), el('td', 'outcome'), el('td', 'num'));
    return tr;
  }, (tr, e) => {
    if (tr.dataset.filled) return;
    tr.dataset.filled = '1';
    tr.dataset.kind = e.kind;
    tr.dataset.outcome = e.outcome || '';
    const [t, s, k, w, o, d] = tr.children;
    t.textContent = new Date(e.at).toLocaleTimeString();
    s.textContent = e.system;
    k.textContent = e.kind;
    w.textContent = e.content ? `${e.summary}: ${e.content}` : e.summary;
    w.title = w.textContent;
    o.textContent = e.outcome || '';
    d.textContent = e.duration_ms === null || e.duration_ms === undefined ? '' : num(e.duration_ms, 1);
  });
}
