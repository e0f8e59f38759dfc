// The agent broker with real MCP clients: several official SDK clients on the built jar find
// each other, agree on a protocol and exchange messages that are never lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startSwitchboard, connect, waitFor } from './lib/switchboard.mjs';

let sb;
before(async () => {
  sb = await startSwitchboard({ SWITCHBOARD_BROKER_QUEUE_LIMIT: '3', SWITCHBOARD_RATE_LIMIT: '0' }, { name: 'broker' });
});
after(async () => sb?.stop());

const CHAT = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };

/** An agent: an SDK client with a broker session, collecting the broker messages pushed to it. */
async function agent(name, resume) {
  const { client, transport } = await connect(sb.mcpUrl, { name });
  const inbox = [];
  const listeners = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    if (n.params.logger === 'broker' && n.params.data?.type === 'broker_message') {
      inbox.push(n.params.data.message);
      listeners.forEach((l) => l(n.params.data.message));
    }
  });
  const args = { capabilities: { supported_protocols: { chat: ['1.0.0'] }, supported_features: ['text'] } };
  if (resume) args.resume_session_id = resume;
  const r = await call(client, 'broker_connect', args);
  assert.equal(r.success, true, JSON.stringify(r));
  return {
    client, transport, inbox, id: r.session_id, connected: r,
    next: (match = () => true) => waitFor((h) => listeners.push(h), match, 15_000, `a broker message for ${name}`),
  };
}

async function call(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  return r.structuredContent;
}

const chat = (to, text, extra = {}) => ({ recipient_id: to, protocol_name: 'chat', protocol_version: '1.0.0', payload: { text }, ...extra });

test('register, connect, negotiate and talk point to point', async () => {
  const alice = await agent('alice');
  const reg = await call(alice.client, 'broker_register_protocol',
    { name: 'chat', version: '1.0.0', schema: CHAT, capabilities: ['point_to_point', 'broadcast'] });
  assert.equal(reg.success, true, JSON.stringify(reg));
  const bob = await agent('bob');
  const nego = await call(alice.client, 'broker_negotiate_capabilities', { target_session_id: bob.id });
  assert.equal(nego.compatible, true);
  assert.deepEqual(nego.supported_protocols, { chat: '1.0.0' });

  const arrives = bob.next((m) => m.payload.text === 'hi bob');
  const sent = await call(alice.client, 'broker_send_message', chat(bob.id, 'hi bob'));
  assert.equal(sent.success, true);
  const m = await arrives;
  assert.equal(m.message_id, sent.message_id);
  assert.equal(m.sender_id, alice.id);

  const bad = await call(alice.client, 'broker_send_message', { ...chat(bob.id, 'x'), payload: { text: 7 } });
  assert.equal(bad.error_code, 'validation_error');
  assert.match(bad.details.path, /text/);
  await call(bob.client, 'broker_ack', { message_ids: [sent.message_id] });
  for (const a of [alice, bob]) await a.client.close();
});

test('broadcast reaches three listeners', async () => {
  const alice = await agent('caster');
  const listeners = await Promise.all(['l1', 'l2', 'l3'].map((n) => agent(n)));
  const arrivals = listeners.map((l) => l.next((m) => m.payload.text === 'all hands'));
  const r = await call(alice.client, 'broker_broadcast_message',
    { protocol_name: 'chat', protocol_version: '1.0.0', payload: { text: 'all hands' } });
  assert.equal(r.success, true, JSON.stringify(r));
  const got = await Promise.all(arrivals);
  assert.equal(got.length, 3);
  for (const l of listeners) assert.ok(r.recipients.delivered.includes(l.id), `${l.id} delivered`);
  for (const a of [alice, ...listeners]) await a.client.close();
});

test('an offline recipient gets its message once after reconnecting', async () => {
  const alice = await agent('sender');
  const carol = await agent('carol');
  await carol.transport.terminateSession();
  await carol.client.close();
  const sent = await call(alice.client, 'broker_send_message', chat(carol.id, 'while away'));
  assert.equal(sent.queued, true, JSON.stringify(sent));

  const back = await agent('carol-again', carol.id);
  assert.equal(back.id, carol.id);
  assert.equal(back.connected.resumed, true);
  const r1 = await call(back.client, 'broker_receive_messages', { limit: 10 });
  assert.deepEqual(r1.messages.map((m) => m.message_id), [sent.message_id]);
  await call(back.client, 'broker_ack', { message_ids: [sent.message_id] });
  const r2 = await call(back.client, 'broker_receive_messages', { limit: 10 });
  assert.equal(r2.count, 0, 'delivered once: nothing left after the ack');
  for (const a of [alice, back]) await a.client.close();
});

test('queue overflow goes to the dead-letter queue and replays', async () => {
  const alice = await agent('flooder');
  const dave = await agent('dave');
  for (let i = 0; i < 3; i++) {
    assert.equal((await call(alice.client, 'broker_send_message', chat(dave.id, `m${i}`))).success, true);
  }
  const full = await call(alice.client, 'broker_send_message', chat(dave.id, 'overflow'));
  assert.equal(full.error_code, 'queue_full');
  const list = await call(alice.client, 'broker_dead_letters', { action: 'list' });
  const dl = list.dead_letters.find((d) => d.message.payload.text === 'overflow');
  assert.ok(dl, JSON.stringify(list));
  const queued = await call(dave.client, 'broker_receive_messages', { limit: 10 });
  await call(dave.client, 'broker_ack', { message_ids: queued.messages.map((m) => m.message_id) });
  const replay = await call(alice.client, 'broker_dead_letters', { action: 'replay', dead_letter_ids: [dl.dead_letter_id] });
  assert.deepEqual(replay.replayed, [dl.dead_letter_id]);
  const after = await call(dave.client, 'broker_receive_messages', { limit: 10 });
  assert.deepEqual(after.messages.map((m) => m.payload.text), ['overflow']);
  for (const a of [alice, dave]) await a.client.close();
});
