// MCP 2026-07-28, the stateless revision, as its reference client sees it: the official v2
// TypeScript client (@modelcontextprotocol/client 2.4.0) pinned to 2026-07-28 against the built
// jar, with the conformance fixtures and the e2e routes in a routes folder of its own. Also: raw
// requests on separate TCP connections (no session anywhere), the guard on this era, and the same
// v2 client in legacy mode (2025-11-25, initialize). Every wait is on an event, never a sleep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startSwitchboard, waitFor, routesFolder, CONFORMANCE_ROUTES, E2E_ROUTES } from './lib/switchboard.mjs';

const V2026 = '2026-07-28';
let sb;
let guarded;
let routes;
before(async () => {
  routes = routesFolder(CONFORMANCE_ROUTES, E2E_ROUTES);
  sb = await startSwitchboard({ SWITCHBOARD_ROUTES_DIR: routes, SWITCHBOARD_RATE_LIMIT: '0' }, { name: 'mcp2026' });
  guarded = await startSwitchboard({ SWITCHBOARD_MCP_TOKENS: 'e2e-secret-token', SWITCHBOARD_RATE_LIMIT: '0' },
    { name: 'mcp2026-guarded' });
});
after(async () => {
  await sb?.stop();
  await guarded?.stop();
  if (routes) rmSync(routes, { recursive: true, force: true });
});

/** A v2 client; `mode` is { pin: '2026-07-28' } (the default here) or 'legacy'. */
async function v2(url = sb.mcpUrl, { mode = { pin: V2026 }, capabilities = {}, headers, onElicit } = {}) {
  const client = new Client({ name: 'e2e-v2', version: '1.0.0' }, { capabilities, versionNegotiation: { mode } });
  if (onElicit) client.setRequestHandler('elicitation/create', onElicit);
  const transport = new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : undefined);
  await client.connect(transport);
  return { client, transport };
}

/** A notification the client's handler for `method` sees that matches, within 15 s. */
function notification(client, method, match = () => true) {
  return waitFor((h) => client.setNotificationHandler(method, h), match, 15_000, method);
}

test('pinned to 2026-07-28: discover, list and call, with no session', async () => {
  const { client, transport } = await v2();
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), V2026);
    assert.equal(transport.sessionId, undefined, 'no Mcp-Session-Id in this revision');
    assert.equal(client.getServerVersion().name, 'switchboard');
    assert.ok(client.getServerCapabilities().tools?.listChanged, JSON.stringify(client.getServerCapabilities()));
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'switchboard_info'), tools.map((t) => t.name).join(', '));
    const r = await client.callTool({ name: 'switchboard_info', arguments: {} });
    assert.notEqual(r.isError, true, JSON.stringify(r));
    assert.equal(typeof r.structuredContent.version, 'string');
    assert.equal(r._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'switchboard');
    const bad = await client.callTool({ name: 'switchboard_info', arguments: { unexpected: { deeply: 'x' } } });
    assert.ok(bad.structuredContent, JSON.stringify(bad));
  } finally {
    await client.close();
  }
});

test('progress arrives on the call\'s response stream', async () => {
  const { client } = await v2();
  try {
    const seen = [];
    await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, {
      onprogress: (p) => seen.push(`${p.progress}/${p.total}`),
    });
    assert.deepEqual(seen, ['0/100', '50/100', '100/100']);
  } finally {
    await client.close();
  }
});

test('an elicitation goes through input_required and the route resumes with the answer', async () => {
  const asked = [];
  const { client } = await v2(sb.mcpUrl, {
    capabilities: { elicitation: {} },
    onElicit: async (req) => {
      asked.push(req.params.message);
      return req.params.message.includes('color')
        ? { action: 'accept', content: { color: 'teal' } }
        : { action: 'accept', content: { name: 'Ada' } };
    },
  });
  try {
    const one = await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} });
    assert.equal(one.content[0].text, 'Hello, Ada!');
    assert.deepEqual(asked, ['What is your name?']);
    // Two rounds: the second question comes only after the first answer, which the signed state keeps.
    const two = await client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} });
    assert.equal(two.content[0].text, 'Ada likes teal');
    assert.deepEqual(asked.slice(1), ['Step 1: What is your name?', 'Step 2: What is your favorite color?']);
  } finally {
    await client.close();
  }
});

test('subscriptions/listen: tools/list_changed when a YAML route is added at run time', async () => {
  const { client } = await v2();
  try {
    const sub = await client.listen({ toolsListChanged: true });
    assert.deepEqual(sub.honoredFilter, { toolsListChanged: true });
    const changed = notification(client, 'notifications/tools/list_changed');
    writeFileSync(join(routes, 'wave.mcp.yaml'), [
      'tools:',
      '  - name: wave',
      '    description: Waves back.',
      '    inputSchema: { type: object, properties: {} }',
      '',
    ].join('\n'));
    writeFileSync(join(routes, 'wave.camel.yaml'), [
      '- route:',
      '    id: wave',
      '    from:',
      '      uri: direct:wave',
      '      steps:',
      '        - setBody:',
      "            constant: '{\"waved\": true}'",
      '',
    ].join('\n'));
    const n = await changed;
    assert.ok(n.params?._meta?.['io.modelcontextprotocol/subscriptionId'] !== undefined, JSON.stringify(n));
    const { tools } = await client.listTools({}, { cacheMode: 'bypass' });
    assert.ok(tools.some((t) => t.name === 'wave'));
    const r = await client.callTool({ name: 'wave', arguments: {} });
    assert.equal(r.structuredContent.waved, true);
    await sub.close();
  } finally {
    await client.close();
  }
});

test('subscriptions/listen: a broker message to a handle-only session brings resources/updated for its inbox', async () => {
  const a = (await v2()).client;
  const b = (await v2()).client;
  try {
    const caps = { capabilities: { supported_protocols: { memo: ['1.0.0'] }, supported_features: ['text'] } };
    const alice = (await a.callTool({ name: 'broker_connect', arguments: caps })).structuredContent;
    const bob = (await b.callTool({ name: 'broker_connect', arguments: caps })).structuredContent;
    assert.equal(alice.success, true, JSON.stringify(alice));
    const reg = await b.callTool({ name: 'broker_register_protocol', arguments: {
      name: 'memo', version: '1.0.0', schema: { type: 'object', properties: { text: { type: 'string' } } },
      capabilities: ['point_to_point'] } });
    assert.equal(reg.structuredContent.success, true, JSON.stringify(reg.structuredContent));

    const sub = await a.listen({ resourceSubscriptions: [alice.inbox_uri] });
    assert.deepEqual(sub.honoredFilter.resourceSubscriptions, [alice.inbox_uri]);
    const updated = notification(a, 'notifications/resources/updated', (n) => n.params.uri === alice.inbox_uri);
    // Bob names his own session by its handle: there is no MCP session to find it by.
    const sent = (await b.callTool({ name: 'broker_send_message', arguments: {
      session_id: bob.session_id, recipient_id: alice.session_id, protocol_name: 'memo', protocol_version: '1.0.0',
      payload: { text: 'hello alice' } } })).structuredContent;
    assert.equal(sent.success, true, JSON.stringify(sent));
    await updated;
    const got = (await a.callTool({ name: 'broker_receive_messages', arguments: { session_id: alice.session_id } }))
      .structuredContent;
    assert.deepEqual(got.messages.map((m) => m.payload.text), ['hello alice'], JSON.stringify(got));
    const noHandle = (await a.callTool({ name: 'broker_receive_messages', arguments: {} })).structuredContent;
    assert.equal(noHandle.error_code, 'validation_error', JSON.stringify(noHandle));
    await sub.close();
  } finally {
    await a.close();
    await b.close();
  }
});

/** One POST on a TCP connection of its own (agent: false), as a stateless client may send it. */
function post(url, body, headers = {}) {
  return new Promise((ok, fail) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(url, {
      method: 'POST', agent: false,
      headers: {
        'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': V2026, 'Mcp-Method': body.method, ...headers,
      },
    }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, text, port: req.socket?.localPort }));
    });
    req.on('socket', (s) => s.on('connect', () => (req.localPort = s.localPort)));
    req.on('error', fail);
    req.end(payload);
  });
}

const meta = { 'io.modelcontextprotocol/protocolVersion': V2026, 'io.modelcontextprotocol/clientCapabilities': {} };

test('two requests on two separate connections, no session anywhere, both served', async () => {
  const list = post(sb.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } });
  const call = post(sb.mcpUrl,
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'test_simple_text', arguments: {}, _meta: meta } },
    { 'Mcp-Name': 'test_simple_text' });
  const [l, c] = await Promise.all([list, call]);
  for (const r of [l, c]) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['mcp-session-id'], undefined);
  }
  assert.ok(JSON.parse(l.text).result.tools.length > 0);
  assert.equal(JSON.parse(l.text).result.resultType, 'complete');
  assert.equal(JSON.parse(c.text).result.content[0].text, 'This is a simple text response for testing.');
  // GET and DELETE have no meaning in this revision.
  const get = await fetch(sb.mcpUrl, { headers: { 'MCP-Protocol-Version': V2026, Accept: 'text/event-stream' } });
  assert.equal(get.status, 405);
});

test('the guard applies to 2026-07-28 requests exactly as to 2025 ones', async () => {
  const discover = { jsonrpc: '2.0', id: 7, method: 'server/discover', params: { _meta: meta } };
  assert.equal((await post(guarded.mcpUrl, discover)).status, 401, 'no token');
  assert.equal((await post(guarded.mcpUrl, discover, { Authorization: 'Bearer wrong' })).status, 401, 'wrong token');
  const evil = await post(guarded.mcpUrl, discover,
    { Authorization: 'Bearer e2e-secret-token', Origin: 'http://evil.example.com' });
  assert.equal(evil.status, 403, 'foreign Origin');
  const ok = await post(guarded.mcpUrl, discover, { Authorization: 'Bearer e2e-secret-token' });
  assert.equal(ok.status, 200, ok.text);
  assert.ok(JSON.parse(ok.text).result.supportedVersions.includes(V2026));
  // And the reference client with the token gets in.
  const { client } = await v2(guarded.mcpUrl, { headers: { Authorization: 'Bearer e2e-secret-token' } });
  try {
    assert.ok((await client.listTools()).tools.length > 0);
  } finally {
    await client.close();
  }
});

test('the same v2 client in legacy mode speaks 2025-11-25 with a session', async () => {
  const { client, transport } = await v2(sb.mcpUrl, { mode: 'legacy' });
  try {
    assert.ok(transport.sessionId, 'initialize assigned a session');
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'switchboard_info'));
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.equal(r.content[0].text, 'This is a simple text response for testing.');
  } finally {
    await client.close();
  }
});
