// Starts the built jar (target/switchboard.jar) the way an operator does, waits until it is ready
// and stops it; connects official MCP SDK clients (Client + StreamableHTTPClientTransport) to it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, createWriteStream, readFileSync, readdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const JAR = join(ROOT, 'target/switchboard.jar');
export const LOGS = join(ROOT, 'target/e2e-logs');
export const CONFORMANCE_ROUTES = join(ROOT, 'src/test/conformance/routes');
export const E2E_ROUTES = join(ROOT, 'src/test/e2e/routes');

// A cold JVM on a machine shared with other builds took 23 to 46 s to boot (load average 15 to 21):
// 60 s failed every suite there. SWITCHBOARD_E2E_READY_TIMEOUT_MS overrides it.
const READY_TIMEOUT_MS = Number(process.env.SWITCHBOARD_E2E_READY_TIMEOUT_MS) || 180_000;
const STOP_GRACE_MS = 10_000;

/** A free loopback port: bind port 0, read the port the kernel chose, release it. */
export async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// Children still running when this test process ends (a crash, a failed `before`) are killed,
// so a failed run never leaves a jar holding a port.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts Switchboard with a free port and a fresh data folder; `env` adds to or overrides them
 * (pass SWITCHBOARD_ROUTES_DIR for extra routes). `name` labels the log file in target/e2e-logs.
 * Resolves once GET /observe/health/ready answers 200; fails with the log's tail if the jar exits
 * first or is not ready within 60 s.
 */
export async function startSwitchboard(env = {}, { name = 'switchboard' } = {}) {
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  mkdirSync(LOGS, { recursive: true });
  const logFile = join(LOGS, `${name}-${port}.log`);
  const log = createWriteStream(logFile);
  const child = spawn('java', ['-jar', JAR], {
    cwd: home, // so the default ./config/routes and ./data are the jar's own, empty ones
    env: {
      ...process.env,
      SWITCHBOARD_HOST: '127.0.0.1',
      SWITCHBOARD_PORT: String(port),
      SWITCHBOARD_DATA_DIR: join(home, 'data'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exit = null;
  const exited = new Promise((r) => child.once('exit', (code, signal) => {
    exit = { code, signal };
    running.delete(child);
    r(exit);
  }));
  child.once('error', (e) => log.write(`\n[e2e] could not start java: ${e.message}\n`));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exit) {
      await new Promise((r) => log.end(r));
      throw new Error(`Switchboard exited (code ${exit.code}, signal ${exit.signal}) before it was ready; ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const r = await fetch(`${url}/observe/health/ready`, { signal: AbortSignal.timeout(2_000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`Switchboard not ready within ${READY_TIMEOUT_MS / 1000} s; ${logFile}:\n${tail(logFile)}`);
    }
    // Readiness is only observable by asking: poll the endpoint at a short interval.
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    mcpUrl: `${url}/mcp`,
    port,
    home,
    routesDir: env.SWITCHBOARD_ROUTES_DIR ?? join(home, 'config/routes'),
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    tail: () => tail(logFile),
    /** SIGTERM, then SIGKILL if it has not exited within 10 s; answers how it exited. */
    async stop() {
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await new Promise((r) => log.end(r));
      rmSync(home, { recursive: true, force: true });
      return exit;
    },
  };
}

function tail(file, chars = 4000) {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}

/** An official SDK client connected over Streamable HTTP: { client, transport }. */
export async function connect(mcpUrl, { name = 'e2e', capabilities = {}, headers } = {}) {
  const client = new Client({ name, version: '1.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), headers ? { requestInit: { headers } } : undefined);
  await client.connect(transport);
  return { client, transport };
}

/**
 * A promise for the first item a handler sees that matches; it fails after `ms`.
 * `register` receives the handler, e.g. (h) => client.setNotificationHandler(Schema, h).
 */
export function waitFor(register, match = () => true, ms = 15_000, what = 'event') {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    register((item) => {
      if (match(item)) {
        clearTimeout(timer);
        ok(item);
      }
    });
  });
}

/** A fresh routes folder holding copies of the given folders' files (the jar watches it for changes). */
export function routesFolder(...sources) {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-routes-'));
  for (const src of sources) {
    for (const f of readdirSync(src)) {
      copyFileSync(join(src, f), join(dir, f));
    }
  }
  return dir;
}

/**
 * The events of a text/event-stream response, as they arrive: { id, event, data, retry }.
 * `data` is the raw text (JSON-RPC messages are JSON.parse'd by the caller); an event without
 * data (a priming event carrying only an id) has data ''.
 */
export async function* sseEvents(response) {
  const decoder = new TextDecoder();
  let buffer = '';
  let ev = {};
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (Object.keys(ev).length > 0) yield { id: ev.id, event: ev.event ?? 'message', data: ev.data ?? '', retry: ev.retry };
          ev = {};
          continue;
        }
        if (line.startsWith(':')) continue; // comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') ev.data = ev.data === undefined ? value : `${ev.data}\n${value}`;
        else if (field === 'id') ev.id = value;
        else if (field === 'event') ev.event = value;
        else if (field === 'retry') ev.retry = Number(value);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** A bare-HTTP MCP session (no SDK): initialize + notifications/initialized; answers { sessionId, post, get }. */
export async function rawSession(mcpUrl, { protocolVersion = '2025-11-25', capabilities = {} } = {}) {
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(mcpUrl, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({
      jsonrpc: '2.0', id: 0, method: 'initialize',
      params: { protocolVersion, capabilities, clientInfo: { name: 'e2e-raw', version: '1.0.0' } },
    }),
  });
  const sessionId = init.headers.get('mcp-session-id');
  await init.arrayBuffer();
  if (init.status !== 200 || !sessionId) throw new Error(`initialize answered ${init.status}, session ${sessionId}`);
  const headers = { ...base, 'mcp-session-id': sessionId, 'mcp-protocol-version': protocolVersion };
  const post = (message, { headers: extra = {}, signal } = {}) =>
    fetch(mcpUrl, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(message), signal });
  const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await initialized.arrayBuffer();
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}`);
  const get = ({ headers: extra = {}, signal } = {}) => fetch(mcpUrl, {
    method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': protocolVersion, ...extra }, signal,
  });
  return { sessionId, headers, post, get };
}
