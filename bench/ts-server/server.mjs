// The reference server of the gateway benchmark (bench/run): the official MCP TypeScript SDK's
// McpServer with the same `echo` tool as bench/routes, on stateful Streamable HTTP (one transport
// per session, as the SDK's own stateful example does) with JSON responses, like the other two.
// Plain node:http rather than express, so the figure is the SDK's, not a web framework's.
// Usage: node server.mjs [port]   (or PORT=...); listens on 127.0.0.1 only.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

const port = Number(process.argv[2] ?? process.env.PORT ?? 8091);
const transports = new Map();

function newSessionServer() {
  const server = new McpServer({ name: 'ts-bench', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Answers its arguments.', inputSchema: { text: z.string() } },
    // The same result Switchboard gives: the arguments as structuredContent and as JSON text.
    async ({ text }) => ({ content: [{ type: 'text', text: JSON.stringify({ text }) }], structuredContent: { text } }),
  );
  return server;
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

function jsonRpcError(res, status, message) {
  res.writeHead(status, { 'Content-Type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

createServer(async (req, res) => {
  if (new URL(req.url, 'http://localhost').pathname !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const sessionId = req.headers['mcp-session-id'];
    let transport = sessionId ? transports.get(sessionId) : undefined;
    if (!transport && !sessionId && req.method === 'POST' && isInitializeRequest(body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      transport.onclose = () => transport.sessionId && transports.delete(transport.sessionId);
      await newSessionServer().connect(transport);
    }
    if (!transport) {
      jsonRpcError(res, sessionId ? 404 : 400, sessionId ? 'Session not found' : 'No session: initialize first');
      return;
    }
    await transport.handleRequest(req, res, body);
  } catch (e) {
    if (!res.headersSent) jsonRpcError(res, e instanceof SyntaxError ? 400 : 500, String(e?.message ?? e));
  }
}).listen(port, '127.0.0.1', () => console.log(`MCP TypeScript SDK echo server on 127.0.0.1:${port}`));
