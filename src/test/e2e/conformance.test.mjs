// The official MCP conformance suite against the built jar: the whole active suite with the
// suite's fixtures registered as YAML routes, and the transport scenarios against the
// production configuration (no fixtures at all).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startSwitchboard, CONFORMANCE_ROUTES, ROOT } from './lib/switchboard.mjs';

const CLI = join(ROOT, 'src/test/e2e/node_modules/@modelcontextprotocol/conformance/dist/index.js');

/** Runs `conformance server` and answers its exit code, output and the summed checks. */
function conformance(url, args) {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [CLI, 'server', '--url', url, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      let passed = 0;
      let failed = 0;
      // The suite prints "N passed, M failed" per scenario; a single scenario prints "Passed: N/T, M failed".
      for (const m of out.matchAll(/(\d+) passed, (\d+) failed/g)) {
        passed += Number(m[1]);
        failed += Number(m[2]);
      }
      for (const m of out.matchAll(/Passed: (\d+)\/\d+, (\d+) failed/g)) {
        passed += Number(m[1]);
        failed += Number(m[2]);
      }
      const total = out.match(/Total: (\d+) passed, (\d+) failed/);
      ok({ code, out, passed: total ? Number(total[1]) : passed, failed: total ? Number(total[2]) : failed });
    });
  });
}

let withFixtures;
let production;

before(async () => {
  withFixtures = await startSwitchboard({ SWITCHBOARD_ROUTES_DIR: CONFORMANCE_ROUTES, SWITCHBOARD_RATE_LIMIT: '0' });
  production = await startSwitchboard({});
});

after(async () => {
  await withFixtures?.stop();
  await production?.stop();
});

test('the whole active conformance suite passes with the fixtures as YAML routes', { timeout: 300_000 }, async () => {
  const r = await conformance(withFixtures.mcpUrl, ['--suite', 'active']);
  console.log(`conformance (active suite, fixtures): ${r.passed} passed, ${r.failed} failed`);
  assert.equal(r.failed, 0, r.out.slice(-6000));
  assert.equal(r.code, 0, r.out.slice(-6000));
  assert.ok(r.passed >= 39, `expected the whole suite, got ${r.passed} checks:\n${r.out.slice(-3000)}`);
});

for (const scenario of ['server-sse-polling', 'json-schema-2020-12']) {
  test(`pending scenario ${scenario} passes too`, { timeout: 120_000 }, async () => {
    const r = await conformance(withFixtures.mcpUrl, ['--scenario', scenario]);
    console.log(`conformance ${scenario}: ${r.out.match(/Passed: .*/)?.[0] ?? r.out.slice(-300)}`);
    assert.equal(r.code, 0, r.out.slice(-4000));
    assert.match(r.out, /0 failed, 0 warnings/, r.out.slice(-4000));
  });
}

for (const scenario of ['server-initialize', 'ping', 'logging-set-level', 'tools-list', 'server-sse-multiple-streams',
  'dns-rebinding-protection']) {
  test(`transport scenario ${scenario} passes against the production configuration`, { timeout: 120_000 }, async () => {
    const r = await conformance(production.mcpUrl, ['--scenario', scenario]);
    assert.equal(r.code, 0, r.out.slice(-4000));
    assert.ok(r.passed > 0 && r.failed === 0, r.out.slice(-4000));
  });
}
