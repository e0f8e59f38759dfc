// The operations page in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core) against the built jar, a real Prosody and MCP clients of the official SDK:
// what an operator sees when sessions open, a queue fills, a message dead-letters and is replayed,
// and the XMPP server goes away and comes back. Screenshots go to target/dashboard-screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { connect as tcp } from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, startSwitchboard, connect, freePort } from '../e2e/lib/switchboard.mjs';

const TOKEN = 'browser-test-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const SHOTS = join(ROOT, 'target/dashboard-screenshots');
const CHROMIUM = '/usr/bin/chromium';

/** A Prosody of our own that can be stopped and started again on the same port and data. */
async function prosodyServer(users) {
  if (!existsSync('/usr/bin/prosody')) throw new Error('Prosody is not installed: run src/test/setup/install-test-tools.sh as root');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-browser-prosody-'));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  const cfg = join(dir, 'prosody.cfg.lua');
  writeFileSync(cfg, `run_as_root = true
pidfile = "${dir}/prosody.pid"; data_path = "${dir}/data"; certificates = "${dir}"
log = { info = "${dir}/prosody.log"; error = "*console" }
interfaces = { "127.0.0.1" }; c2s_ports = { ${port} }; c2s_direct_tls_ports = {}
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "posix"; "offline" }
modules_disabled = { "s2s" }
c2s_require_encryption = false; allow_unencrypted_plain_auth = true
authentication = "internal_plain"
VirtualHost "localhost"
`);
  for (const u of users) execFileSync('prosodyctl', ['--config', cfg, 'register', u, 'localhost', `secret-${u}`]);
  let child = null;
  const open = () => new Promise((ok) => { const s = tcp(port, '127.0.0.1', () => { s.end(); ok(true); }); s.on('error', () => ok(false)); });
  const server = {
    port,
    async start() {
      child = spawn('prosody', ['--config', cfg, '-F'], { stdio: 'ignore' });
      for (let i = 0; i < 200 && !(await open()); i++) await new Promise((r) => setTimeout(r, 50));
    },
    async stop() {
      if (!child) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      child = null;
    },
    async dispose() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** A person's XMPP client over a raw socket (SASL PLAIN on plain c2s): enough to send one message. */
async function xmppUser(port, user) {
  const socket = tcp(port, '127.0.0.1');
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d) => { buffer += d; });
  const until = async (pattern) => {
    for (let i = 0; i < 200; i++) {
      const m = buffer.match(pattern);
      if (m) { buffer = buffer.slice(m.index + m[0].length); return m; }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`XMPP ${user}: no ${pattern} in ${buffer.slice(-300)}`);
  };
  const open = () => socket.write("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
  await new Promise((r) => socket.once('connect', r));
  open();
  await until(/<\/stream:features>/);
  socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0secret-${user}`).toString('base64')}</auth>`);
  await until(/<success/);
  open();
  await until(/<\/stream:features>/);
  socket.write("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>browser</resource></bind></iq>");
  await until(/id=['"]bind1['"]/);
  socket.write('<presence/>');
  return {
    send: (to, body) => socket.write(`<message to='${to}' type='chat' id='b-${Date.now()}'><body>${body}</body></message>`),
    close: () => socket.end('</stream:stream>'),
  };
}

let prosody;
let sb;
let browser;
let page;
const consoleErrors = [];
const clients = [];

/** A page of its own; console errors and failed requests are collected into `errors`. */
async function newPage(errors, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark', ...options });
  const p = await context.newPage();
  p.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`); });
  p.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  p.on('requestfailed', (r) => {
    // The feed is cut when a page closes or reconnects on purpose: that is not a failure.
    if (!(r.url().endsWith('/observe/dashboard/events') && /ABORTED/.test(r.failure()?.errorText ?? ''))) {
      errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    }
  });
  p.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
  return p;
}

const shot = (p, name) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: name.endsWith('-full') });
const text = async (p, selector) => (await p.textContent(selector))?.trim();

async function mcp(name) {
  const c = await connect(sb.mcpUrl, { name, headers: AUTH });
  clients.push(c);
  return c;
}

async function call(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  return r.structuredContent;
}

const chat = (to, words) => ({ recipient_id: to, protocol_name: 'chat', protocol_version: '1.0.0', payload: { text: words } });

/** An agent session on the broker, through the SDK client. */
async function agent(name, resume) {
  const c = await mcp(name);
  const args = { capabilities: { supported_protocols: { chat: ['1.0.0'] }, supported_features: ['text'] } };
  if (resume) args.resume_session_id = resume;
  const r = await call(c.client, 'broker_connect', args);
  assert.equal(r.success, true, JSON.stringify(r));
  return { ...c, id: r.session_id };
}

const queueBar = (name) => `.bar[data-queue="${name}"]`;
async function queueDepth(p, name) {
  return Number(await p.getAttribute(queueBar(name), 'data-depth'));
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  if (!existsSync(CHROMIUM)) throw new Error('Chromium is not installed: run src/test/setup/install-test-tools.sh as root');
  prosody = await prosodyServer(['switchboard', 'alice']);
  sb = await startSwitchboard({
    SWITCHBOARD_MCP_TOKENS: TOKEN,
    SWITCHBOARD_RATE_LIMIT: '0',
    SWITCHBOARD_BROKER_QUEUE_LIMIT: '3',
    SWITCHBOARD_XMPP_JID: 'switchboard@localhost',
    SWITCHBOARD_XMPP_PASSWORD: 'secret-switchboard',
    SWITCHBOARD_XMPP_HOST: '127.0.0.1',
    SWITCHBOARD_XMPP_PORT: String(prosody.port),
    SWITCHBOARD_XMPP_SECURITY: 'disabled',
    SWITCHBOARD_XMPP_BACKOFF_MAX: 'PT1S',
  }, { name: 'dashboard' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await newPage(consoleErrors);
});

after(async () => {
  for (const c of clients) await c.client.close().catch(() => {});
  await browser?.close();
  await sb?.stop();
  await prosody?.dispose();
});

test('without a token the page shows the login and nothing else; a wrong token is refused', async () => {
  const requests = [];
  const p = await newPage([]);
  p.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await p.goto(`${sb.url}/observe/dashboard`);
  await p.waitForSelector('#login-form', { state: 'visible' });
  assert.equal(await p.isVisible('#board'), false);
  assert.equal(await p.locator('#systems > *').count(), 0, 'no system shown before login');
  assert.deepEqual(requests.filter((r) => /snapshot|events|actions/.test(r)), [], 'no data requested before login');
  await shot(p, 'login');

  await p.fill('#token', 'not-the-token');
  await p.click('#login-button');
  await p.waitForFunction(() => document.getElementById('login-error').textContent.includes('refused'));
  assert.equal(await p.isVisible('#board'), false);
  assert.equal(await p.locator('#systems > *').count(), 0);
  await p.context().close();
});

test('with the token the page opens and shows every system live', async () => {
  await page.goto(`${sb.url}/observe/dashboard`);
  await page.fill('#token', TOKEN);
  await page.click('#login-button');
  await page.waitForSelector('#board', { state: 'visible' });
  await page.waitForSelector('.system[data-system="xmpp"][data-state="connected"]');
  for (const system of ['broker', 'mqtt', 'store', 'xmpp']) {
    assert.ok(await page.isVisible(`.system[data-system="${system}"]`), `${system} card`);
  }
  assert.equal(await text(page, '#live-text'), 'live');
  await page.waitForSelector('[data-panel="broker"]');
  await page.waitForSelector('[data-panel="xmpp"]');
  // The token stays in this tab's session storage; a reload opens straight onto the board.
  await page.reload();
  await page.waitForSelector('.system[data-system="store"]');
  assert.equal(await page.isVisible('#login'), false);
});

test('a new MCP session raises the session count within 3 s, without a reload', async () => {
  const before = Number(await text(page, '#mcp-sessions'));
  const boxes = () => page.evaluate(() => ['.mcp', '.queues', '#panels', '#mcp-sessions']
    .map((s) => { const r = document.querySelector(s).getBoundingClientRect(); return [s, Math.round(r.top), Math.round(r.height), Math.round(r.width)].join(' '); }));
  const layout = await boxes();
  const navigations = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  const c = await mcp('session-watcher');
  const started = Date.now();
  await page.waitForFunction((n) => Number(document.getElementById('mcp-sessions').textContent) === n, before + 1, { timeout: 3000 });
  assert.ok(Date.now() - started <= 3000);
  assert.deepEqual(navigations, [], 'no reload');
  assert.deepEqual(await boxes(), layout, 'the numbers changed, the layout did not move');

  await call(c.client, 'switchboard_info', {});
  await page.waitForSelector('#events tr[data-kind="tool"] >> text=switchboard_info');
  await c.transport.terminateSession();
  await page.waitForFunction((n) => Number(document.getElementById('mcp-sessions').textContent) === n, before, { timeout: 3000 });
});

test('messages to an offline agent grow its queue bar; the overflow dead-letters and the replay button puts it back', async () => {
  const alice = await agent('alice-agent');
  const reg = await call(alice.client, 'broker_register_protocol', {
    name: 'chat', version: '1.0.0', capabilities: ['point_to_point'],
    schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  });
  assert.equal(reg.success, true, JSON.stringify(reg));
  const carol = await agent('carol-agent');
  await carol.transport.terminateSession();
  const inbox = `inbox ${carol.id}`;
  await page.waitForSelector(queueBar(inbox));
  assert.equal(await queueDepth(page, inbox), 0);

  assert.equal((await call(alice.client, 'broker_send_message', chat(carol.id, 'first'))).queued, true);
  await page.waitForFunction((s) => document.querySelector(s)?.dataset.depth === '1', queueBar(inbox), { timeout: 3000 });
  assert.equal(await page.getAttribute(queueBar(inbox), 'data-level'), 'ok');
  await call(alice.client, 'broker_send_message', chat(carol.id, 'second'));
  await call(alice.client, 'broker_send_message', chat(carol.id, 'third'));
  await page.waitForFunction((s) => document.querySelector(s)?.dataset.depth === '3', queueBar(inbox), { timeout: 3000 });
  assert.equal(await page.getAttribute(queueBar(inbox), 'data-level'), 'red', 'a full queue is red');

  const overflow = await call(alice.client, 'broker_send_message', chat(carol.id, 'overflow'));
  assert.equal(overflow.error_code, 'queue_full');
  const deadRow = '[data-table="Dead letters"] tbody tr';
  await page.waitForSelector(deadRow, { timeout: 3000 });
  assert.equal(await page.locator(deadRow).count(), 1);
  const row = await page.locator(deadRow).first().textContent();
  assert.match(row, /queue_full/);
  assert.doesNotMatch(row, /overflow/, 'the message body stays hidden');
  await page.locator('[data-panel="broker"]').scrollIntoViewIfNeeded();
  await shot(page, 'broker-dead-letter');

  // Carol comes back and takes one message: the bar goes down, there is room for the replay.
  const back = await agent('carol-again', carol.id);
  const got = await call(back.client, 'broker_receive_messages', { limit: 1 });
  await call(back.client, 'broker_ack', { message_ids: got.messages.map((m) => m.message_id) });
  await page.waitForFunction((s) => document.querySelector(s)?.dataset.depth === '2', queueBar(inbox), { timeout: 3000 });
  assert.equal(await page.getAttribute(queueBar(inbox), 'data-level'), 'ok', '2 of 3 is below the amber line');

  await page.click(`${deadRow} button[data-action="replay"]`);
  await page.waitForSelector('#confirm[open]');
  await shot(page, 'replay-confirm');
  await page.click('#confirm-ok');
  await page.waitForSelector('#toast:not([hidden])');
  assert.match(await text(page, '#toast'), /replay: done/);
  await page.waitForFunction((s) => document.querySelector(s)?.dataset.depth === '3', queueBar(inbox), { timeout: 3000 });
  await page.waitForFunction((s) => document.querySelectorAll(s).length === 0, deadRow, { timeout: 3000 });
  const after = await call(back.client, 'broker_receive_messages', { limit: 10 });
  assert.ok(after.messages.some((m) => m.payload.text === 'overflow'), 'the replayed message is back in the queue');
});

test('an incoming XMPP message is listed without its body; an XMPP outage turns the panel to reconnecting and back', async () => {
  const alice = await xmppUser(prosody.port, 'alice');
  alice.send('switchboard@localhost', 'secret body text');
  await page.waitForSelector('#events tr[data-kind="message"] >> text=from alice@localhost', { timeout: 5000 });
  assert.equal(await page.locator('text=secret body text').count(), 0, 'bodies are not shown by default');
  await page.fill('#filter', 'alice');
  assert.ok((await page.locator('#events tr').count()) >= 1);
  await page.fill('#filter', 'no-such-thing-in-the-list');
  await page.waitForFunction(() => document.querySelectorAll('#events tr').length === 0);
  await page.fill('#filter', '');
  alice.close();

  await prosody.stop();
  await page.waitForSelector('.system[data-system="xmpp"][data-state="reconnecting"]', { timeout: 10_000 });
  assert.equal(await page.getAttribute('[data-panel="xmpp"] .badge', 'data-state'), 'reconnecting');
  assert.match(await text(page, '.system[data-system="xmpp"] .last-error'), /last error/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'xmpp-reconnecting');

  await prosody.start();
  await page.waitForSelector('.system[data-system="xmpp"][data-state="connected"]', { timeout: 15_000 });
  await page.waitForSelector('#events tr[data-kind="reconnect"]');
});

test('screenshots: 1280x800 dark and light, a phone; no console errors on the way', async () => {
  await page.waitForSelector('#toast', { state: 'hidden', timeout: 10_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'dashboard-dark');
  await shot(page, 'dashboard-dark-full');
  const light = await newPage(consoleErrors, { colorScheme: 'light' });
  await light.goto(`${sb.url}/observe/dashboard`);
  await light.fill('#token', TOKEN);
  await light.click('#login-button');
  await light.waitForSelector('[data-panel="broker"]');
  await light.waitForTimeout(1500);
  await shot(light, 'dashboard-light');
  const bg = await light.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, darkBg, 'light and dark follow the system');
  await light.context().close();

  const phone = await newPage(consoleErrors, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await phone.goto(`${sb.url}/observe/dashboard`);
  await phone.fill('#token', TOKEN);
  await phone.click('#login-button');
  await phone.waitForSelector('[data-panel="broker"]');
  await phone.waitForTimeout(1500);
  await shot(phone, 'dashboard-phone');
  await shot(phone, 'dashboard-phone-full');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px too wide)`);
  await phone.context().close();

  assert.deepEqual(consoleErrors, []);
});
