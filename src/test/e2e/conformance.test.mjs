// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in package.json)
// against the built jar: (a) exactly the scenarios each protocol revision requires
// (`--requirements 2025-11-25`, then `--requirements 2026-07-28`: one revision per run) with the
// suite's fixtures registered as YAML routes (src/test/conformance/routes): every scored check
// must pass; (b) the transport scenarios against the production configuration (no extra routes).
// Results are read from the suite's machine-readable output (-o DIR: one checks.json per
// scenario), not from its console text; the console text goes to target/e2e-logs/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startSwitchboard, CONFORMANCE_ROUTES, ROOT, LOGS } from './lib/switchboard.mjs';

const CLI = join(ROOT, 'src/test/e2e/node_modules/@modelcontextprotocol/conformance/dist/index.js');
const RESULTS = join(LOGS, `conformance-${process.pid}`);

/**
 * Runs `conformance server --url URL ...args -o DIR` with this Node (22) and answers
 * { code, out, scenarios: [{ scenario, checks }], announced } where `announced` is the number of
 * scenarios the suite said it would run (suite mode only).
 */
function conformance(label, url, args) {
  const dir = join(RESULTS, label);
  mkdirSync(dir, { recursive: true });
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CLI, 'server', '--url', url, ...args, '-o', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', fail);
    child.on('close', (code) => {
      writeFileSync(join(dir, 'console.log'), out);
      const scenarios = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'checks.json')))
        .map((e) => ({
          // directory: server-<scenario>-<ISO timestamp with - for : and .>
          scenario: e.name.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, ''),
          checks: JSON.parse(readFileSync(join(dir, e.name, 'checks.json'), 'utf8')),
        }));
      const m = out.match(/Running \w+ suite \((\d+) scenarios\)/) ?? out.match(/Running requirements [\d-]+ \((\d+) scenarios\)/);
      // With --requirements the suite also runs scenarios it does not score (extensions, pending,
      // added after the release) and lists them after "Not scored for <revision>:".
      const unscored = new Set([...out.matchAll(/^\s+[✓✗] (\S+) \((?:extension|pending|added-after-release)\)/gm)].map((x) => x[1]));
      ok({ code, out, dir, scenarios, unscored, announced: m ? Number(m[1]) : undefined });
    });
  });
}

/** passed/total as the suite counts them (SUCCESS vs FAILURE; INFO and WARNING are not scored). */
function score(scenarios) {
  const all = scenarios.flatMap((s) => s.checks.map((c) => ({ ...c, scenario: s.scenario })));
  const passed = all.filter((c) => c.status === 'SUCCESS').length;
  const failed = all.filter((c) => c.status === 'FAILURE');
  const other = all.filter((c) => c.status !== 'SUCCESS' && c.status !== 'FAILURE');
  return { passed, total: passed + failed.length, failed, other };
}

function describeFailures(r, s) {
  const lines = s.failed.map((c) => `  ✗ ${c.scenario} / ${c.id}: ${c.errorMessage ?? c.description}`);
  return `${lines.join('\n')}\nconsole output (${join(r.dir, 'console.log')}), tail:\n${r.out.slice(-4000)}`;
}

function report(title, s) {
  console.log(`conformance ${title}: ${s.passed}/${s.total} checks passed`);
  for (const c of s.other) {
    console.log(`  ${c.status} ${c.scenario} / ${c.id}: ${c.details?.message ?? c.errorMessage ?? c.description}`);
  }
}

let withFixtures;
let production;

before(async () => {
  withFixtures = await startSwitchboard(
    { SWITCHBOARD_ROUTES_DIR: CONFORMANCE_ROUTES, SWITCHBOARD_RATE_LIMIT: '0' },
    { name: 'conformance-fixtures' },
  );
  production = await startSwitchboard({}, { name: 'conformance-production' });
});

after(async () => {
  await withFixtures?.stop();
  await production?.stop();
});

for (const revision of ['2025-11-25', '2026-07-28']) {
  test(`every scored check of revision ${revision} passes with the fixtures as YAML routes`, { timeout: 300_000 }, async () => {
    const r = await conformance(`requirements-${revision}`, withFixtures.mcpUrl, ['--requirements', revision]);
    const scored = score(r.scenarios.filter((x) => !r.unscored.has(x.scenario)));
    const unscored = score(r.scenarios.filter((x) => r.unscored.has(x.scenario)));
    report(`${revision} scored (${r.scenarios.length - r.unscored.size} scenarios)`, scored);
    console.log(`conformance ${revision} not scored (${[...r.unscored].join(', ')}): ${unscored.passed}/${unscored.total} checks passed`);
    assert.ok(r.announced > 0, `the suite did not say how many scenarios it runs:\n${r.out.slice(-3000)}`);
    // A scenario that crashed writes no checks.json: every announced scenario must have reported.
    assert.equal(r.scenarios.length, r.announced, `scenarios with results: ${r.scenarios.map((x) => x.scenario).join(', ')}`);
    for (const sc of r.scenarios) assert.ok(sc.checks.length > 0 || r.unscored.has(sc.scenario), `${sc.scenario} reported no checks`);
    assert.ok(scored.passed > 0, r.out.slice(-3000));
    assert.deepEqual(scored.failed.map((c) => `${c.scenario}/${c.id}`), [], describeFailures(r, scored));
    assert.equal(r.code, 0, `conformance exited ${r.code}:\n${r.out.slice(-4000)}`);
  });
}

for (const scenario of ['server-initialize', 'ping', 'logging-set-level', 'tools-list', 'server-sse-multiple-streams',
  'dns-rebinding-protection']) {
  test(`transport scenario ${scenario} passes against the production configuration`, { timeout: 120_000 }, async () => {
    const r = await conformance(`production-${scenario}`, production.mcpUrl, ['--scenario', scenario]);
    const s = score(r.scenarios);
    report(`${scenario} (production)`, s);
    assert.deepEqual(r.scenarios.map((x) => x.scenario), [scenario], r.out.slice(-3000));
    assert.ok(s.passed > 0, `no check passed:\n${r.out.slice(-3000)}`);
    assert.deepEqual(s.failed.map((c) => `${c.scenario}/${c.id}`), [], describeFailures(r, s));
    assert.equal(r.code, 0, r.out.slice(-4000));
  });
}
