// The gateway benchmark's independent load generator (bench/run): autocannon, with one MCP
// session per connection, calling the same `echo` tool every peer offers.
// Before the load, each of the N sessions is opened the way any MCP client opens one (initialize,
// then notifications/initialized) and checked once to answer the echo result; then a warm-up run
// and the measured run, both with N keep-alive connections, each connection on its own session
// (autocannon's setupClient), one request in flight per connection.
// Usage: node run.mjs --url http://127.0.0.1:PORT/mcp --label NAME --out FILE.json
//                     [--connections 50] [--warmup 10] [--duration 20]
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    label: { type: 'string' },
    out: { type: 'string' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '10' },
    duration: { type: 'string', default: '20' },
  },
});
const connections = Number(opt.connections);
const PROTOCOL = '2025-06-18';
const ACCEPT = 'application/json, text/event-stream';
const CALL = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello' } } });

async function post(headers, body) {
  const r = await fetch(opt.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: JSON.stringify(body),
  });
  return { status: r.status, sessionId: r.headers.get('mcp-session-id'), text: await r.text() };
}

// A reply may come as JSON or as one SSE event carrying the JSON.
function replyJson(text) {
  const t = text.trim();
  if (t.startsWith('{')) return JSON.parse(t);
  const data = t.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).filter(Boolean).pop();
  return data ? JSON.parse(data) : undefined;
}

async function openSession() {
  const init = await post({}, {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'autocannon-bench', version: '1' } },
  });
  if (init.status !== 200 || !init.sessionId) throw new Error(`initialize answered ${init.status}: ${init.text.slice(0, 200)}`);
  const headers = { 'mcp-session-id': init.sessionId, 'mcp-protocol-version': PROTOCOL };
  await post(headers, { jsonrpc: '2.0', method: 'notifications/initialized' });
  const check = await post(headers, JSON.parse(CALL));
  const result = replyJson(check.text)?.result;
  if (check.status !== 200 || result?.structuredContent?.text !== 'hello') {
    throw new Error(`echo check answered ${check.status}: ${check.text.slice(0, 200)}`);
  }
  return headers;
}

const sessions = [];
for (let i = 0; i < connections; i++) sessions.push(await openSession());

function load(seconds) {
  let next = 0;
  return autocannon({
    url: opt.url,
    method: 'POST',
    connections,
    pipelining: 1,
    duration: seconds,
    body: CALL,
    headers: { 'content-type': 'application/json', accept: ACCEPT },
    // Every connection speaks on its own session, as N MCP clients would.
    setupClient: (client) => {
      client.setHeaders({ 'content-type': 'application/json', accept: ACCEPT, ...sessions[next++ % sessions.length] });
    },
  });
}

await load(Number(opt.warmup));
const r = await load(Number(opt.duration));
const summary = {
  label: opt.label,
  url: opt.url,
  tool: 'autocannon',
  connections,
  warmup_s: Number(opt.warmup),
  duration_s: r.duration,
  requests: r.requests.total,
  rps: Math.round(r.requests.total / r.duration),
  p50_ms: r.latency.p50,
  p99_ms: r.latency.p99,
  max_ms: r.latency.max,
  non2xx: r.non2xx,
  errors: r.errors + r.timeouts,
};
console.error(`${opt.label} (autocannon): ${summary.rps} req/s, p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms, `
  + `${summary.non2xx} non-2xx, ${summary.errors} errors`);
writeFileSync(opt.out, JSON.stringify(summary, null, 2));
// End the sessions, so the next run against the same server starts from the same session count.
await Promise.all(sessions.map((headers) => fetch(opt.url, { method: 'DELETE', headers }).catch(() => {})));
