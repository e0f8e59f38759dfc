// Starts the built jar (target/switchboard.jar) the way an operator does and waits for it to be
// ready; connects official MCP SDK clients to it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, createWriteStream, readFileSync, readdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const CONFORMANCE_ROUTES = join(ROOT, 'src/test/conformance/routes');

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

/** Starts Switchboard; env adds to (or overrides) a fresh data folder and a free port. */
export async function startSwitchboard(env = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  const logs = join(ROOT, 'target/e2e-logs');
  mkdirSync(logs, { recursive: true });
  const logFile = join(logs, `switchboard-${port}.log`);
  const log = createWriteStream(logFile);
  const child = spawn('java', ['-jar', join(ROOT, 'target/switchboard.jar')], {
    cwd: dataDir,
    env: {
      ...process.env,
      SWITCHBOARD_PORT: String(port),
      SWITCHBOARD_DATA_DIR: join(dataDir, 'data'),
      SWITCHBOARD_ROUTES_DIR: join(dataDir, 'routes'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`Switchboard exited (${child.exitCode}):\n${tail(logFile)}`);
    }
    try {
      const r = await fetch(`${url}/observe/health/ready`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Switchboard not ready in 90 s:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 100)); // polling an HTTP endpoint, not waiting on an event we could observe
  }
  return {
    url,
    mcpUrl: `${url}/mcp`,
    port,
    dataDir,
    routesDir: env.SWITCHBOARD_ROUTES_DIR ?? join(dataDir, 'routes'),
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function tail(file) {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-4000);
  } catch {
    return '(no log)';
  }
}

/** An official SDK client connected over Streamable HTTP. */
export async function connect(mcpUrl, { name = 'e2e', capabilities = {}, headers } = {}) {
  const client = new Client({ name, version: '1.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), headers ? { requestInit: { headers } } : undefined);
  await client.connect(transport);
  return { client, transport };
}

/** A promise that resolves with the first item a handler sees that matches, or fails after ms. */
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

/** A routes folder holding copies of the given folders' files (the jar watches it for changes). */
export function routesFolder(...sources) {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-routes-'));
  for (const src of sources) {
    for (const f of readdirSync(src)) {
      copyFileSync(join(src, f), join(dir, f));
    }
  }
  return dir;
}
