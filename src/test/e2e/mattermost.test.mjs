// The Mattermost bridge end to end: the built jar, the fake Mattermost (test scope, its own
// process, every request checked against Mattermost's official OpenAPI contract) and the official
// MCP TypeScript SDK client as the AI. The AI posts with the origin's tool names on /mcp/mattermost,
// and is told when someone writes: resources/updated plus a notifications/message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ROOT, startSwitchboard, connect, waitFor } from './lib/switchboard.mjs';

/** The fake Mattermost as a child process; it prints {url, token, ...} once listening, and stops when its stdin closes. */
async function startFakeMattermost() {
  const cpFile = join(ROOT, 'target/test-classpath.txt');
  if (!existsSync(cpFile)) throw new Error(`${cpFile} is missing: run ./mvnw test-compile (dependency:build-classpath) first`);
  const cp = [join(ROOT, 'target/test-classes'), readFileSync(cpFile, 'utf8').trim()].join(':');
  const child = spawn('java', ['-cp', cp, 'io.switchboard.mattermost.FakeMattermost', '--stdin'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout });
  const info = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the fake Mattermost did not start within 60 s')), 60_000);
    child.once('exit', (code) => fail(new Error(`the fake Mattermost exited (${code})`)));
    lines.on('line', (line) => {
      if (line.startsWith('{')) {
        clearTimeout(timer);
        ok(JSON.parse(line));
      }
    });
  });
  return {
    ...info,
    async post(user, channel, message) {
      const r = await fetch(`${info.url}/fake/post`, { method: 'POST', body: JSON.stringify({ user, channel, message }) });
      return r.json();
    },
    async violations() {
      return (await fetch(`${info.url}/fake/violations`)).json();
    },
    stop() {
      child.stdin.end();
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    },
  };
}

let fake;
let sb;

before(async () => {
  fake = await startFakeMattermost();
  sb = await startSwitchboard({
    SWITCHBOARD_MATTERMOST_URL: fake.url,
    SWITCHBOARD_MATTERMOST_TOKEN: fake.token,
  }, { name: 'mattermost' });
});

after(async () => {
  await sb?.stop();
  fake?.stop();
});

test('the AI posts with the origin tool names and is told when someone writes', async () => {
  const { client } = await connect(`${sb.url}/mcp/mattermost`, { name: 'ai' });
  const { tools } = await client.listTools();
  assert.equal(tools.length, 32);
  assert.ok(tools.some((t) => t.name === 'send_message'));

  const sent = await client.callTool({ name: 'send_message', arguments: { channel_id: fake.town_square, message: 'Deploy starts at 14:00' } });
  assert.equal(sent.isError, false, JSON.stringify(sent));
  assert.equal(sent.structuredContent.username, 'switchboard-bot');
  assert.match(sent.structuredContent.post_id, /^[a-z0-9]{26}$/);

  const uri = `mattermost://channels/${fake.town_square}/posts`;
  await client.subscribeResource({ uri });
  const updated = waitFor((h) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, h),
    (n) => n.params.uri === uri, 15_000, 'resources/updated');
  const told = waitFor((h) => client.setNotificationHandler(LoggingMessageNotificationSchema, h),
    (n) => n.params.logger === 'mattermost' && String(n.params.data).includes('can we wait?'), 15_000, 'notifications/message');
  await fake.post('alice', 'town-square', '@switchboard-bot can we wait?');
  await updated;
  const event = JSON.parse((await told).params.data);
  assert.equal(event.event, 'posted');
  assert.equal(event.user, 'alice');
  assert.equal(event.channel_id, fake.town_square);
  assert.equal(event.mentions_me, true);

  const read = await client.readResource({ uri });
  const posts = JSON.parse(read.contents[0].text).posts;
  assert.equal(posts[0].message, '@switchboard-bot can we wait?');

  const inbox = await client.callTool({ name: 'check_inbox', arguments: {} });
  assert.equal(inbox.isError, false);
  assert.ok(inbox.structuredContent.total_mentions >= 1);

  const missing = await client.callTool({ name: 'get_channel', arguments: { channel_id: 'zzzzzzzzzzzzzzzzzzzzzzzzzz' } });
  assert.equal(missing.isError, true);
  assert.equal(missing.structuredContent.error_code, 'not_found');
  assert.ok(!JSON.stringify(missing).includes(fake.token));
  await client.close();

  assert.deepEqual(await fake.violations(), []);
  assert.ok(!sb.log().includes(fake.token), 'the token must never be logged');
});
