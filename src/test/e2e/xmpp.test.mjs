// The XMPP bridge end to end: the built jar, a real Prosody, the official MCP TypeScript SDK client
// as the AI, and a person's XMPP client (a minimal one over a raw socket: no npm XMPP library needed).
// The AI sends, is told of an incoming message by a notification, and reads it from the inbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { connect as tcp } from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startSwitchboard, connect, freePort, waitFor } from './lib/switchboard.mjs';

/** A Prosody of our own: temp folder, free port, users registered, stopped by PID. */
async function startProsody(users) {
  if (!existsSync('/usr/bin/prosody')) {
    throw new Error('Prosody is not installed: run src/test/setup/install-test-tools.sh as root');
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-prosody-'));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  const cfg = join(dir, 'prosody.cfg.lua');
  writeFileSync(cfg, `run_as_root = true
pidfile = "${dir}/prosody.pid"; data_path = "${dir}/data"; certificates = "${dir}"
log = { info = "${dir}/prosody.log"; error = "*console" }
interfaces = { "127.0.0.1" }; c2s_ports = { ${port} }; c2s_direct_tls_ports = {}
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "posix"; "offline"; "smacks" }
modules_disabled = { "s2s" }
c2s_require_encryption = false; allow_unencrypted_plain_auth = true
authentication = "internal_plain"
VirtualHost "localhost"
Component "conference.localhost" "muc"
`);
  for (const u of users) execFileSync('prosodyctl', ['--config', cfg, 'register', u, 'localhost', `secret-${u}`]);
  const child = spawn('prosody', ['--config', cfg, '-F'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    if (await new Promise((ok) => { const s = tcp(port, '127.0.0.1', () => { s.end(); ok(true); }); s.on('error', () => ok(false)); })) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); } };
}

/** A person's XMPP client: SASL PLAIN on plain c2s, bind, presence; sends and collects messages. */
async function xmppUser(port, user) {
  const socket = tcp(port, '127.0.0.1');
  let buffer = '';
  const waiters = [];
  socket.setEncoding('utf8');
  socket.on('data', (d) => { buffer += d; waiters.slice().forEach((w) => w()); });
  const until = (pattern, ms = 10_000) => new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`XMPP ${user}: no ${pattern} in ${buffer.slice(-500)}`)), ms);
    const check = () => {
      const m = buffer.match(pattern);
      if (m) { clearTimeout(timer); waiters.splice(waiters.indexOf(check), 1); buffer = buffer.slice(m.index + m[0].length); ok(m); }
    };
    waiters.push(check);
    check();
  });
  const open = () => socket.write("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
  await new Promise((r) => socket.once('connect', r));
  open();
  await until(/<\/stream:features>/);
  socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0secret-${user}`).toString('base64')}</auth>`);
  await until(/<success/);
  open();
  await until(/<\/stream:features>/);
  socket.write("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>e2e</resource></bind></iq>");
  await until(/id=['"]bind1['"]/);
  socket.write('<presence/>');
  return {
    send: (to, body) => socket.write(`<message to='${to}' type='chat' id='e2e-${Date.now()}'><body>${body}</body></message>`),
    receive: (body) => until(new RegExp(`<body>${body}</body>`)),
    close: () => socket.end('</stream:stream>'),
  };
}

let prosody;
let sb;
before(async () => {
  prosody = await startProsody(['switchboard', 'alice']);
  sb = await startSwitchboard({
    SWITCHBOARD_XMPP_JID: 'switchboard@localhost',
    SWITCHBOARD_XMPP_PASSWORD: 'secret-switchboard',
    SWITCHBOARD_XMPP_HOST: '127.0.0.1',
    SWITCHBOARD_XMPP_PORT: String(prosody.port),
    SWITCHBOARD_XMPP_SECURITY: 'disabled',
  }, { name: 'xmpp' });
});
after(async () => {
  await sb?.stop();
  prosody?.stop();
});

test('the AI sends, is notified of the answer, and reads it', async () => {
  const { client } = await connect(sb.mcpUrl, { name: 'ai' });
  const alice = await xmppUser(prosody.port, 'alice');

  const ping = (await client.callTool({ name: 'xmpp_ping', arguments: {} })).structuredContent;
  assert.equal(ping.connection_state, 'connected');

  const sent = (await client.callTool({ name: 'xmpp_send_message', arguments: { recipient: 'alice@localhost', message: 'question from the AI' } })).structuredContent;
  assert.equal(sent.status, 'queued');
  assert.ok(sent.message_id);
  await alice.receive('question from the AI');

  await client.subscribeResource({ uri: 'xmpp://inbox' });
  const updated = waitFor((h) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, h),
    (n) => n.params.uri === 'xmpp://inbox', 15_000, 'xmpp://inbox updated');
  const told = waitFor((h) => client.setNotificationHandler(LoggingMessageNotificationSchema, h),
    (n) => n.params.logger === 'xmpp' && JSON.parse(n.params.data).body === 'answer from alice', 15_000, 'the incoming message');
  alice.send('switchboard@localhost', 'answer from alice');
  const note = JSON.parse((await told).params.data);
  assert.equal(note.event, 'xmpp_message');
  assert.equal(note.from, 'alice@localhost');
  await updated;

  const read = (await client.callTool({ name: 'xmpp_read_messages', arguments: { from: 'alice@localhost', unread_only: true } })).structuredContent;
  assert.equal(read.count, 1);
  assert.equal(read.messages[0].body, 'answer from alice');
  const inbox = await client.readResource({ uri: 'xmpp://inbox' });
  assert.equal(JSON.parse(inbox.contents[0].text).count, 0, 'read messages leave the unread inbox');
  alice.close();
  await client.close();
});

test('a bad recipient is refused with a structured error', async () => {
  const { client } = await connect(sb.mcpUrl, { name: 'ai' });
  const r = await client.callTool({ name: 'xmpp_send_message', arguments: { recipient: 'not a jid', message: 'x' } });
  assert.equal(r.isError, true);
  assert.equal(r.structuredContent.error_code, 'validation_error');
  await client.close();
});
