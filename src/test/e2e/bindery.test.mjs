// Bindery end to end: the built jar with its embedded Bindery backend, driven by the official MCP
// TypeScript SDK client, on SQLite (the default) and on a real PostgreSQL: the task life cycle,
// every field round-tripping, search, statistics, cascade delete, a restart, and the seed's
// adversarial shapes refused; plus the backend's REST API behind the gateway's bearer token.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { startSwitchboard, connect, freePort } from './lib/switchboard.mjs';

const TOKEN = 'e2e-bindery-token';

/** A throwaway PostgreSQL cluster (initdb + pg_ctl), trust auth on loopback, stopped by `stop()`. */
async function startPostgres() {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
  if (versions.length === 0) throw new Error('PostgreSQL is not installed: run src/test/setup/install-test-tools.sh as root');
  const bin = `/usr/lib/postgresql/${versions.at(-1)}/bin`;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-pg-'));
  const root = userInfo().uid === 0;
  // initdb refuses to run as root: the cluster then belongs to the postgres user.
  const as = (cmd, args) => (root ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' })
    : execFileSync(cmd, args, { stdio: 'pipe' }));
  if (root) {
    chmodSync(dir, 0o755);
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  }
  const data = join(dir, 'data');
  as(`${bin}/initdb`, ['-D', data, '-U', 'bindery', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  as(`${bin}/pg_ctl`, ['-D', data, '-l', join(dir, 'pg.log'), '-w', '-t', '60', '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  as(`${bin}/createdb`, ['-h', '127.0.0.1', '-p', String(port), '-U', 'bindery', 'bindery']);
  return {
    env: { SWITCHBOARD_DB_URL: `jdbc:postgresql://127.0.0.1:${port}/bindery?sslmode=disable`, SWITCHBOARD_DB_USER: 'bindery' },
    stop() {
      try { as(`${bin}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* not running */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function call(client, name, args = {}) {
  const r = await client.callTool({ name, arguments: args });
  return { ok: !r.isError, body: r.structuredContent };
}

async function ok(client, name, args = {}) {
  const r = await call(client, name, args);
  assert.ok(r.ok, `${name}: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function refused(client, name, args, path) {
  const r = await call(client, name, args);
  assert.equal(r.ok, false, `${name} should fail: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error_code, 'validation_error', JSON.stringify(r.body));
  if (path) assert.ok(r.body.error.includes(path), `${r.body.error} names ${path}`);
}

const TRICKY = `He said "hi" & <b>bye</b>; DROP TABLE bindery_tasks; -- 'quoted' ☃`;

for (const database of ['sqlite', 'postgresql']) {
  describe(`Bindery on ${database}`, () => {
    let sb;
    let pg;
    let data;
    let env;
    let mcp;
    const headers = { Authorization: `Bearer ${TOKEN}` };

    before(async () => {
      data = mkdtempSync(join(tmpdir(), 'switchboard-e2e-bindery-data-'));
      pg = database === 'postgresql' ? await startPostgres() : null;
      env = { SWITCHBOARD_MCP_TOKENS: TOKEN, SWITCHBOARD_RATE_LIMIT: '0', SWITCHBOARD_DATA_DIR: data, ...(pg?.env ?? {}) };
      sb = await startSwitchboard(env, { name: `bindery-${database}` });
      mcp = (await connect(sb.mcpUrl, { name: 'bindery-e2e', headers })).client;
    });
    after(async () => {
      await mcp?.close();
      await sb?.stop();
      pg?.stop();
      rmSync(data, { recursive: true, force: true });
    });

    test('the 14 tools are listed, prefixed on /mcp and under origin names on /mcp/bindery', async () => {
      const names = (await mcp.listTools()).tools.map((t) => t.name).filter((n) => n.startsWith('bindery_'));
      assert.equal(names.length, 14, names.join());
      const origin = (await connect(`${sb.mcpUrl}/bindery`, { headers })).client;
      const originNames = (await origin.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(originNames, ['assign_role_to_task', 'complete_task', 'create_project', 'create_task', 'delete_task',
        'execute_task', 'get_dashboard_stats', 'get_task', 'health_check', 'index_document', 'list_roles', 'list_tasks',
        'search_entities', 'update_task']);
      await origin.close();
    });

    test('a task life cycle: fields round-trip, updates show at once, roles, completion, cascade delete', async () => {
      const input = {
        title: TRICKY, description: 'a description with the word fenestrator only here', priority: 'high', status: 'todo',
        tags: ['e2e', 'β'], labels: { sprint: 7, owner: 'ada' }, project_id: 'e2e-project', due_date: '2030-01-02T03:04:05Z',
        subtasks: [{ title: 'child', subtasks: [{ title: 'grandchild' }] }],
      };
      const created = await ok(mcp, 'bindery_create_task', { task_input: JSON.stringify(input) });
      const id = created.task.id;
      const task = (await ok(mcp, 'bindery_get_task', { task_id: id })).task;
      for (const f of ['title', 'description', 'priority', 'status', 'project_id', 'due_date']) assert.equal(task[f], input[f], f);
      assert.deepEqual(task.tags, input.tags);
      assert.deepEqual(task.labels, input.labels);
      assert.equal(task.subtasks[0].subtasks[0].title, 'grandchild');

      const updated = await ok(mcp, 'bindery_update_task', { task_id: id, task_update: { status: 'doing', tags: ['changed'] } });
      assert.deepEqual(updated.fields_not_saved, []);
      const again = (await ok(mcp, 'bindery_get_task', { task_id: id })).task;
      assert.equal(again.status, 'doing');
      assert.deepEqual(again.tags, ['changed']);

      const roles = await ok(mcp, 'bindery_list_roles');
      assert.ok(roles.total_roles > 0);
      const executed = await ok(mcp, 'bindery_execute_task', { task_id: id, role_name: roles.roles[0].name });
      assert.equal(executed.status, 'doing');
      assert.ok(executed.execution_id);
      await ok(mcp, 'bindery_assign_role_to_task', { task_id: id, role_name: roles.roles[0].name });
      const done = await ok(mcp, 'bindery_complete_task', { task_id: id, completion_notes: 'shipped' });
      assert.equal(done.task.status, 'done');
      assert.equal(done.task.completion_notes, 'shipped');

      const grandchild = task.subtasks[0].subtasks[0].id;
      const deleted = await ok(mcp, 'bindery_delete_task', { task_id: id });
      assert.equal(deleted.deleted, 3);
      const gone = await call(mcp, 'bindery_get_task', { task_id: grandchild });
      assert.equal(gone.body.error_code, 'not_found');
    });

    test('search finds a word only in a description and one only in an indexed document', async () => {
      const t = await ok(mcp, 'bindery_create_task', { task_input: { title: 'plain', description: 'about the kazooist guild' } });
      const filler = 'All work and no play makes a dull document. '.repeat(50);
      const doc = await ok(mcp, 'bindery_index_document', { document_input: {
        title: 'manual', content: `${filler} the word ptarmigan hides here ${filler}`, document_type: 'documentation' } });
      assert.ok(doc.chunks > 1);
      const byDescription = await ok(mcp, 'bindery_search_entities', { search_input: { query: 'kazooist' } });
      assert.deepEqual(byDescription.results.map((r) => r.id), [t.task.id]);
      assert.ok(byDescription.results[0].snippet.includes('kazooist'));
      assert.ok(byDescription.results[0].score > 0);
      const byDocument = await ok(mcp, 'bindery_search_entities', { search_input: JSON.stringify({ query: 'ptarmigan' }) });
      assert.deepEqual(byDocument.results.map((r) => [r.entity_type, r.id]), [['note', doc.document_id]]);
    });

    test('dashboard statistics match the tasks', async () => {
      await ok(mcp, 'bindery_create_task', { task_input: { title: 'late', due_date: '2000-01-01', priority: 'urgent' } });
      const stats = await ok(mcp, 'bindery_get_dashboard_stats');
      const all = await ok(mcp, 'bindery_list_tasks');
      assert.equal(stats.total_tasks, all.total);
      const urgent = all.tasks.filter((x) => x.priority === 'urgent').length;
      assert.equal(stats.priority_breakdown.urgent, urgent);
      assert.ok(stats.overdue_tasks.some((x) => x.title === 'late'));
      const done = all.tasks.filter((x) => x.status === 'done').length;
      assert.equal(stats.completion_rate, Math.round((done * 1000) / all.total) / 10);
    });

    test('the seed\'s adversarial shapes are refused, naming the path', async () => {
      let deep = 'x';
      for (let i = 0; i < 12; i++) deep = { d: deep };
      await refused(mcp, 'bindery_create_task', { task_input: JSON.stringify({ title: 't', labels: deep }) }, '$.task_input.labels');
      await refused(mcp, 'bindery_create_task', { task_input: JSON.stringify({ title: 'x'.repeat(10_001) }) }, '$.task_input.title');
      await refused(mcp, 'bindery_create_task', { task_input: { title: 't', tags: Array(1001).fill('t') } }, '$.task_input.tags');
      await refused(mcp, 'bindery_create_task',
        { task_input: { title: 't', labels: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])) } }, '$.task_input.labels');
      await refused(mcp, 'bindery_create_task', { task_input: '{"title":"t","labels":{"__proto__":{"admin":true}}}' }, '__proto__');
      await refused(mcp, 'bindery_create_task', { task_input: { title: 't', labels: { constructor: { prototype: 1 } } } }, 'constructor');
      let nested = { title: 'leaf' };
      for (let i = 0; i < 11; i++) nested = { title: `level ${i}`, subtasks: [nested] };
      await refused(mcp, 'bindery_create_task', { task_input: nested }, '$.task_input.subtasks[0]');
      await refused(mcp, 'bindery_create_task', { task_input: { title: 't', status: 'in_progress' } }, 'status');
      await refused(mcp, 'bindery_get_task', { task_id: '../../admin' }, '$.task_id');
    });

    test('the backend\'s REST API answers behind the gateway\'s token', async () => {
      assert.equal((await fetch(`${sb.url}/bindery/health`)).status, 401);
      const health = await fetch(`${sb.url}/bindery/health`, { headers });
      assert.equal(health.status, 200);
      const body = await health.json();
      assert.equal(body.service, 'bindery');
      assert.equal(typeof body.database.pool_healthy, 'boolean');
      const list = await (await fetch(`${sb.url}/bindery/api/tasks`, { headers })).json();
      assert.equal(typeof list.total, 'number');
      assert.ok(Array.isArray(list.items));
    });

    test('a restart keeps tasks and the search index', async () => {
      const kept = await ok(mcp, 'bindery_create_task', { task_input: { title: TRICKY, description: 'remember the quillwright' } });
      await mcp.close();
      await sb.stop();
      sb = await startSwitchboard(env, { name: `bindery-${database}-restarted` });
      mcp = (await connect(sb.mcpUrl, { name: 'bindery-e2e', headers })).client;
      const task = (await ok(mcp, 'bindery_get_task', { task_id: kept.task.id })).task;
      assert.equal(task.title, TRICKY);
      const found = await ok(mcp, 'bindery_search_entities', { search_input: { query: 'quillwright' } });
      assert.deepEqual(found.results.map((r) => r.id), [kept.task.id]);
    });
  });
}
