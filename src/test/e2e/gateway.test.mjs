// The gateway as a real MCP client sees it: the official TypeScript SDK (Client +
// StreamableHTTPClientTransport) against the built jar, with the conformance fixtures and the
// e2e-only routes loaded from a routes folder of its own (the run-time route test writes there).
// Every wait is on an event (a promise a handler resolves, with a time limit), never a fixed sleep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  startSwitchboard, connect, waitFor, routesFolder, rawSession, sseEvents, CONFORMANCE_ROUTES, E2E_ROUTES,
} from './lib/switchboard.mjs';

let sb;
let routes;
before(async () => {
  routes = routesFolder(CONFORMANCE_ROUTES, E2E_ROUTES);
  sb = await startSwitchboard({ SWITCHBOARD_ROUTES_DIR: routes, SWITCHBOARD_RATE_LIMIT: '0' }, { name: 'gateway' });
});
after(async () => {
  await sb?.stop();
  if (routes) rmSync(routes, { recursive: true, force: true });
});

test('initialize, list tools and call switchboard_info', async () => {
  const { client, transport } = await connect(sb.mcpUrl);
  try {
    assert.ok(transport.sessionId, 'the server assigned a session id');
    assert.equal(client.getServerVersion().name, 'switchboard');
    assert.ok(client.getServerCapabilities().tools, 'tools capability');
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'switchboard_info'), `switchboard_info in ${tools.map((t) => t.name)}`);
    const r = await client.callTool({ name: 'switchboard_info', arguments: {} });
    assert.notEqual(r.isError, true, JSON.stringify(r));
    assert.equal(typeof r.structuredContent?.version, 'string', JSON.stringify(r.structuredContent));
    assert.ok(r.structuredContent.version.length > 0);
    assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  } finally {
    await client.close();
  }
});

test('progress and log notifications arrive before the result', async () => {
  const { client } = await connect(sb.mcpUrl);
  try {
    await client.setLoggingLevel('debug');
    const seen = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => seen.push(`log:${n.params.data}`));

    // The SDK sends a progressToken because onprogress is given.
    await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
      onprogress: (p) => seen.push(`progress:${p.progress}/${p.total}`),
    }).then(() => seen.push('result'));
    assert.deepEqual(seen, ['progress:0/100', 'progress:50/100', 'progress:100/100', 'result']);

    seen.length = 0;
    const r = await client.callTool({ name: 'test_tool_with_logging', arguments: {} }).then((x) => {
      seen.push('result');
      return x;
    });
    assert.deepEqual(seen, ['log:Tool execution started', 'log:Tool processing data', 'log:Tool execution completed', 'result']);
    assert.equal(r.content[0].text, 'Tool with logging executed successfully');

    // logging/setLevel is honoured: at "error", the info lines no longer come.
    await client.setLoggingLevel('error');
    seen.length = 0;
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} }).then(() => seen.push('result'));
    assert.deepEqual(seen, ['result']);
  } finally {
    await client.close();
  }
});

test('a resource subscription brings notifications/resources/updated', async () => {
  const { client } = await connect(sb.mcpUrl);
  const other = await connect(sb.mcpUrl, { name: 'e2e-other' });
  try {
    assert.equal(client.getServerCapabilities().resources?.subscribe, true, 'resources.subscribe capability');
    const updated = waitFor((h) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, h),
      (n) => n.params.uri === 'test://watched-resource', 15_000, 'notifications/resources/updated');
    // As the conformance suite's resources-subscribe scenario does: subscribe to the watched resource.
    assert.deepEqual(await client.subscribeResource({ uri: 'test://watched-resource' }), {});
    // The change comes from elsewhere: another client calls a fixture tool whose route calls
    // mcp.resourceUpdated('test://watched-resource').
    const touched = await other.client.callTool({ name: 'test_touch_watched_resource', arguments: {} });
    assert.notEqual(touched.isError, true, JSON.stringify(touched));
    const n = await updated;
    assert.equal(n.params.uri, 'test://watched-resource');
    const read = await client.readResource({ uri: 'test://watched-resource' });
    assert.equal(read.contents[0].text, 'Watched resource content');
  } finally {
    await other.client.close();
    await client.close();
  }
});

test('a route added at run time becomes a tool and clients get tools/list_changed', async () => {
  const { client } = await connect(sb.mcpUrl);
  try {
    assert.equal(client.getServerCapabilities().tools?.listChanged, true, 'tools.listChanged capability');
    const before = await client.listTools();
    assert.ok(!before.tools.some((t) => t.name === 'late_tool'), 'late_tool is not there yet');
    const changed = waitFor((h) => client.setNotificationHandler(ToolListChangedNotificationSchema, h), () => true, 30_000,
      'notifications/tools/list_changed');
    // The declaration first, then the route file (the route file triggers the reload).
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
      '        - setBody:',
      '            method:',
      '              beanType: java.util.Map',
      "              method: \"of('hello', ${body[who]})\"",
    ].join('\n'));
    await changed;
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'late_tool'), `late_tool listed: ${tools.map((t) => t.name)}`);
    const r = await client.callTool({ name: 'late_tool', arguments: { who: 'world' } });
    assert.deepEqual(r.structuredContent, { hello: 'world' });
  } finally {
    await client.close();
  }
});

test('after DELETE the session id is unknown (404)', async () => {
  const { client, transport } = await connect(sb.mcpUrl);
  const id = transport.sessionId;
  assert.ok(id);
  const del = await fetch(sb.mcpUrl, { method: 'DELETE', headers: { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' } });
  await del.arrayBuffer();
  assert.ok(del.status >= 200 && del.status < 300, `DELETE answered ${del.status}`);
  const r = await fetch(sb.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id,
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
  });
  await r.arrayBuffer();
  assert.equal(r.status, 404);
  await client.close().catch(() => {});
});

/** One line per JSON-RPC message of an SSE stream (events without data are skipped). */
function describe(message) {
  if (message.method === 'notifications/progress') return `progress ${message.params.progress}/${message.params.total}`;
  if ('result' in message || 'error' in message) return `response ${message.id}`;
  return message.method;
}

test('a dropped SSE stream resumed with GET + Last-Event-ID misses nothing and repeats nothing', async () => {
  const s = await rawSession(sb.mcpUrl);
  // e2e_progress_across_reconnect: progress 1, 2, then closeStream, then progress 3, 4 and the result.
  const call = await s.post({
    jsonrpc: '2.0', id: 7, method: 'tools/call',
    params: { name: 'e2e_progress_across_reconnect', arguments: {}, _meta: { progressToken: 'resume-1' } },
  }, { signal: AbortSignal.timeout(20_000) });
  assert.equal(call.status, 200);
  assert.match(call.headers.get('content-type') ?? '', /text\/event-stream/);
  const first = [];
  for await (const e of sseEvents(call)) first.push(e); // until the server closes the stream
  const firstMessages = first.filter((e) => e.data !== '').map((e) => JSON.parse(e.data));
  assert.deepEqual(firstMessages.map(describe), ['progress 1/4', 'progress 2/4'], 'before the server dropped the stream');
  assert.ok(first.every((e) => e.id), 'every event of a resumable stream has an id');
  const lastSeen = first.at(-1).id;

  const resumed = await s.get({ headers: { 'last-event-id': lastSeen }, signal: AbortSignal.timeout(20_000) });
  assert.equal(resumed.status, 200);
  assert.match(resumed.headers.get('content-type') ?? '', /text\/event-stream/);
  const rest = [];
  try {
    for await (const e of sseEvents(resumed)) rest.push(e); // the server ends the stream after the response
  } catch (err) {
    assert.fail(`the resumed stream did not end within 20 s (${err.name}); got ${JSON.stringify(rest)}`);
  }
  const restMessages = rest.filter((e) => e.data !== '').map((e) => JSON.parse(e.data));
  assert.deepEqual(restMessages.map(describe), ['progress 3/4', 'progress 4/4', 'response 7'], 'after Last-Event-ID');
  assert.deepEqual(restMessages.at(-1).result.structuredContent, { steps: 4 });
  const ids = [...first, ...rest].map((e) => e.id).filter(Boolean);
  assert.equal(new Set(ids).size, ids.length, `event ids are unique: ${ids}`);

  // A client whose connection died while "progress 2" was in flight has seen only up to
  // "progress 1": resuming from there brings "progress 2" again, then the rest, once each.
  const lostInTransit = first.find((e) => e.data && describe(JSON.parse(e.data)) === 'progress 1/4').id;
  const again = await s.get({ headers: { 'last-event-id': lostInTransit }, signal: AbortSignal.timeout(20_000) });
  assert.equal(again.status, 200);
  const replay = [];
  try {
    for await (const e of sseEvents(again)) replay.push(e);
  } catch (err) {
    assert.fail(`the resumed stream did not end within 20 s (${err.name}); got ${JSON.stringify(replay)}`);
  }
  assert.deepEqual(replay.filter((e) => e.data !== '').map((e) => describe(JSON.parse(e.data))),
    ['progress 2/4', 'progress 3/4', 'progress 4/4', 'response 7']);

  const del = await fetch(sb.mcpUrl, { method: 'DELETE', headers: { 'mcp-session-id': s.sessionId } });
  await del.arrayBuffer();
});

test('the SDK client resumes a dropped stream by itself and sees every progress step once', async () => {
  const { client } = await connect(sb.mcpUrl);
  try {
    const steps = [];
    const r = await client.callTool({ name: 'e2e_progress_across_reconnect', arguments: {} }, undefined, {
      onprogress: (p) => steps.push(p.progress),
      timeout: 30_000,
    });
    assert.deepEqual(steps, [1, 2, 3, 4]);
    assert.deepEqual(r.structuredContent, { steps: 4 });
  } finally {
    await client.close();
  }
});

test('sampling and elicitation round-trip through the client', async () => {
  const { client } = await connect(sb.mcpUrl, { capabilities: { sampling: {}, elicitation: {} } });
  try {
    const asked = [];
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      asked.push(req.params);
      return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `echo ${req.params.messages[0].content.text}` } };
    });
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params);
      return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
    });
    const s = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
    assert.equal(s.content[0].text, 'LLM response: echo hi');
    assert.equal(asked[0].maxTokens, 100);
    const e = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } });
    assert.equal(asked[1].message, 'Who are you?');
    assert.deepEqual(asked[1].requestedSchema.required, ['username', 'email']);
    assert.equal(e.content[0].text, 'User response: action=accept, content={"username":"ada","email":"ada@example.com"}');
  } finally {
    await client.close();
  }
});
