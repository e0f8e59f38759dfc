// The gateway as a real MCP client sees it: the official TypeScript SDK against the built jar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { startSwitchboard, connect, waitFor, routesFolder, CONFORMANCE_ROUTES, ROOT } from './lib/switchboard.mjs';

let sb;
before(async () => {
  sb = await startSwitchboard({
    SWITCHBOARD_ROUTES_DIR: routesFolder(CONFORMANCE_ROUTES, join(ROOT, 'src/test/e2e/routes')),
  });
});
after(async () => sb?.stop());

test('initialize, list tools and call switchboard_info', async () => {
  const { client } = await connect(sb.mcpUrl);
  assert.equal(client.getServerVersion().name, 'switchboard');
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === 'switchboard_info'));
  const r = await client.callTool({ name: 'switchboard_info', arguments: {} });
  assert.equal(r.isError, false);
  assert.ok(r.structuredContent.version);
  assert.ok(r.structuredContent.protocol_versions.includes('2025-11-25'));
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  await client.close();
});

test('progress and log notifications arrive before the result', async () => {
  const { client } = await connect(sb.mcpUrl);
  await client.setLoggingLevel('debug');
  const seen = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => seen.push(`log:${n.params.data}`));
  const progress = client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
    onprogress: (p) => seen.push(`progress:${p.progress}`),
  });
  await progress.then(() => seen.push('result'));
  assert.deepEqual(seen, ['progress:0', 'progress:50', 'progress:100', 'result']);

  seen.length = 0;
  await client.callTool({ name: 'test_tool_with_logging', arguments: {} }).then(() => seen.push('result'));
  assert.deepEqual(seen, ['log:Tool execution started', 'log:Tool processing data', 'log:Tool execution completed', 'result']);

  // logging/setLevel is honoured: at "error", info lines no longer come.
  await client.setLoggingLevel('error');
  seen.length = 0;
  await client.callTool({ name: 'test_tool_with_logging', arguments: {} }).then(() => seen.push('result'));
  assert.deepEqual(seen, ['result']);
  await client.close();
});

test('a resource subscription brings notifications/resources/updated', async () => {
  const { client } = await connect(sb.mcpUrl);
  const updated = waitFor((h) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, h),
    (n) => n.params.uri === 'test://watched-resource', 15_000, 'resources/updated');
  await client.subscribeResource({ uri: 'test://watched-resource' });
  const other = await connect(sb.mcpUrl);
  await other.client.callTool({ name: 'test_touch_watched_resource', arguments: {} });
  const n = await updated;
  assert.equal(n.params.uri, 'test://watched-resource');
  const read = await client.readResource({ uri: 'test://watched-resource' });
  assert.equal(read.contents[0].text, 'Watched resource content');
  await other.client.close();
  await client.close();
});

test('a route added at run time becomes a tool and clients get list_changed', async () => {
  const { client } = await connect(sb.mcpUrl);
  const changed = waitFor((h) => client.setNotificationHandler(ToolListChangedNotificationSchema, h), () => true, 30_000,
    'tools/list_changed');
  writeFileSync(join(sb.routesDir, 'late.mcp.yaml'), [
    'tools:',
    '  - name: late_tool',
    '    description: Added while Switchboard runs.',
    '    inputSchema: { type: object, properties: { who: { type: string } }, required: [who] }',
  ].join('\n'));
  writeFileSync(join(sb.routesDir, 'late.camel.yaml'), [
    '- route:',
    '    id: late-tool',
    '    from:',
    '      uri: direct:late_tool',
    '      steps:',
    "        - setBody: { simple: '{\"hello\": \"${body[who]}\"}' }",
  ].join('\n'));
  await changed;
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === 'late_tool'), 'late_tool listed');
  const r = await client.callTool({ name: 'late_tool', arguments: { who: 'world' } });
  assert.deepEqual(r.structuredContent, { hello: 'world' });
  await client.close();
});

test('after DELETE the session id is unknown (404)', async () => {
  const { client, transport } = await connect(sb.mcpUrl);
  const id = transport.sessionId;
  assert.ok(id);
  await transport.terminateSession();
  const r = await fetch(sb.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
  });
  assert.equal(r.status, 404);
  await client.close();
});

test('a dropped SSE stream is resumed with Last-Event-ID and nothing is missed', async () => {
  const { client } = await connect(sb.mcpUrl);
  const steps = [];
  const r = await client.callTool({ name: 'e2e_progress_across_reconnect', arguments: {} }, undefined, {
    onprogress: (p) => steps.push(p.progress),
    timeout: 30_000,
  });
  // The SDK reconnected on its own after the server closed the stream; every event arrived once.
  assert.deepEqual(steps, [1, 2, 3, 4]);
  assert.deepEqual(r.structuredContent, { steps: 4 });
  await client.close();
});

test('sampling and elicitation round-trip through the client', async () => {
  const { client } = await connect(sb.mcpUrl, { capabilities: { sampling: {}, elicitation: {} } });
  const { CreateMessageRequestSchema, ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
    role: 'assistant', model: 'test-model', content: { type: 'text', text: `echo ${req.params.messages[0].content.text}` },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { response: 'yes' } }));
  const s = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
  assert.equal(s.content[0].text, 'LLM response: echo hi');
  const e = await client.callTool({ name: 'test_elicitation', arguments: { message: 'ok?' } });
  assert.match(e.content[0].text, /action=accept/);
  await client.close();
});
