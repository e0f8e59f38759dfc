// MQTT 5 with a real MCP client: the official TypeScript SDK on the built jar, a real Mosquitto
// started here (temp folder, free port, stopped by PID) and mosquitto_pub as the independent
// device on the other side of the broker. Switchboard runs with its shipped defaults (10 s minimum
// collection: the collection below ends early because it reaches max_messages).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startSwitchboard, connect, freePort, waitFor } from './lib/switchboard.mjs';

let sb;
let mosquitto;
let mqttPort;
let dir;

async function listening(port) {
  return new Promise((ok) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => { s.destroy(); ok(true); });
    s.on('error', () => ok(false));
  });
}

before(async () => {
  for (const bin of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto_pub']) {
    assert.equal(spawnSync('test', ['-x', bin]).status, 0, `${bin} is missing: run src/test/setup/install-test-tools.sh`);
  }
  dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-mosquitto-'));
  chmodSync(dir, 0o777); // mosquitto drops root to user 'mosquitto' and writes its log here
  mqttPort = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), [
    'persistence false', `log_dest file ${join(dir, 'mosquitto.log')}`,
    `listener ${mqttPort} 127.0.0.1`, 'allow_anonymous true', ''].join('\n'));
  chmodSync(join(dir, 'mosquitto.conf'), 0o644);
  mosquitto = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await listening(mqttPort))) {
    assert.ok(Date.now() < deadline && mosquitto.exitCode === null, `mosquitto did not start: ${safeRead(join(dir, 'mosquitto.log'))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  sb = await startSwitchboard({ SWITCHBOARD_RATE_LIMIT: '0' }, { name: 'mqtt' });
});

after(async () => {
  await sb?.stop();
  if (mosquitto && mosquitto.exitCode === null) {
    process.kill(mosquitto.pid, 'SIGTERM');
    await new Promise((r) => mosquitto.once('exit', r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function safeRead(f) {
  try { return readFileSync(f, 'utf8'); } catch { return '(no log)'; }
}

/** mosquitto_pub as an MQTT 5 device, with a user property. */
function mosquittoPub(topic, message, ...extra) {
  const r = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mqttPort), '-V', 'mqttv5', '-q', '1',
    '-t', topic, '-m', message, '-D', 'publish', 'user-property', 'source', 'mosquitto_pub', ...extra]);
  assert.equal(r.status, 0, `mosquitto_pub failed: ${r.stderr}`);
}

async function call(client, name, args) {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 });
  assert.ok(!r.isError, `${name}: ${JSON.stringify(r.structuredContent)}`);
  return r.structuredContent;
}

async function awaitSubscribed(client, filter) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const list = await call(client, 'mqtt_list_active_connections', {});
    if (list.active_connections.some((c) => c.subscribed_topics.includes(filter))) return;
    assert.ok(Date.now() < deadline, `no subscription on ${filter}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the ten MQTT tools are listed on /mcp and /mcp/mqtt', async () => {
  const names = ['mqtt_establish_connection', 'mqtt_list_active_connections', 'mqtt_close_connection', 'mqtt_list_topics',
    'mqtt_subscribe_and_collect', 'mqtt_publish_message', 'mqtt_get_topic_schema', 'mqtt_debug_device',
    'mqtt_monitor_performance', 'mqtt_test_connection'];
  for (const url of [sb.mcpUrl, `${sb.mcpUrl}/mqtt`]) {
    const { client } = await connect(url, { name: 'mqtt-list' });
    const { tools } = await client.listTools();
    for (const n of names) assert.ok(tools.some((t) => t.name === n), `${n} on ${url}`);
    await client.close();
  }
});

test('establish, collect what mosquitto_pub publishes, close', async () => {
  const { client } = await connect(sb.mcpUrl, { name: 'mqtt-e2e' });
  const s = await call(client, 'mqtt_establish_connection', { connection_string: `mqtt://127.0.0.1:${mqttPort}/e2e-client` });
  assert.equal(s.status, 'connected');
  assert.equal(s.client_id, 'e2e-client');

  const collecting = call(client, 'mqtt_subscribe_and_collect',
    { session_id: s.session_id, topic_pattern: 'e2e/#', duration_seconds: 10, max_messages: 3 });
  await awaitSubscribed(client, 'e2e/#');
  mosquittoPub('e2e/kitchen/temp', '{"celsius":21.5}');
  mosquittoPub('e2e/kitchen/temp', '{"celsius":21.7}');
  mosquittoPub('e2e/door', 'open');
  const got = await collecting;
  assert.equal(got.message_count, 3);
  assert.equal(got.stopped_because, 'max_messages');
  assert.deepEqual(got.messages.map((m) => m.topic), ['e2e/kitchen/temp', 'e2e/kitchen/temp', 'e2e/door']);
  assert.equal(got.messages[0].payload.celsius, 21.5);
  assert.equal(got.messages[0].payload_type, 'json');
  assert.equal(got.messages[2].payload_type, 'text');
  assert.equal(got.messages[0].qos, 1);
  assert.equal(got.messages[0].user_properties.source, 'mosquitto_pub');

  // Discovery reports progress to a client that asked for it.
  const progress = [];
  const listing = client.callTool({ name: 'mqtt_list_topics', arguments: { session_id: s.session_id, pattern: 'e2e/#', duration_seconds: 2 } },
    undefined, { onprogress: (p) => progress.push(p), timeout: 60_000 });
  await awaitSubscribed(client, 'e2e/#');
  mosquittoPub('e2e/door', 'closed');
  const topics = (await listing).structuredContent;
  assert.deepEqual(topics.topics.map((t) => t.topic), ['e2e/door']);
  assert.ok(progress.length >= 1, 'progress notifications while listening');
  assert.equal(progress[0].total, 2);

  const closed = await call(client, 'mqtt_close_connection', { session_id: s.session_id });
  assert.equal(closed.status, 'closed');
  const after = await client.callTool({ name: 'mqtt_test_connection', arguments: { session_id: s.session_id } });
  assert.equal(after.isError, true);
  assert.equal(after.structuredContent.error_code, 'not_found');
  await client.close();
});

test('a topic as a resource: subscribers are told when a message arrives', async () => {
  const { client } = await connect(sb.mcpUrl, { name: 'mqtt-resource' });
  const s = await call(client, 'mqtt_establish_connection', { connection_string: `mqtt://127.0.0.1:${mqttPort}` });
  const uri = `mqtt://${s.session_id}/${encodeURIComponent('e2e/alarm')}`;
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.ok(resourceTemplates.some((t) => t.uriTemplate === 'mqtt://{session_id}/{topic}'));
  const first = JSON.parse((await client.readResource({ uri })).contents[0].text);
  assert.equal(first.message_count, 0);
  const updated = waitFor((h) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, h),
    (n) => n.params.uri === uri, 15_000, 'resources/updated');
  assert.deepEqual(await client.subscribeResource({ uri }), {});
  mosquittoPub('e2e/alarm', '{"level":"error","text":"smoke"}');
  await updated;
  const now = JSON.parse((await client.readResource({ uri })).contents[0].text);
  assert.equal(now.message_count, 1);
  assert.equal(now.messages[0].payload.text, 'smoke');
  await call(client, 'mqtt_close_connection', { session_id: s.session_id });
  await client.close();
});
