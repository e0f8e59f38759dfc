// Writes the `dashboard` section of docs/BENCHMARKS.md from bench/dashboard's results: the gateway
// load's RPS and latency with no operations page open and with N feeds open, round by round.
import { readFileSync, readdirSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [results, feeds, out] = process.argv.slice(2);
const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const runs = readdirSync(results).filter((f) => /^dashboard-(closed|open)-\d+\.json$/.test(f)).sort()
  .map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')))
  .filter((r) => r.rps !== undefined);
const facts = Object.fromEntries(readFileSync(join(results, 'machine.properties'), 'utf8').trim().split('\n')
  .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const sse = readdirSync(results).filter((f) => f.startsWith('dashboard-feed-'));
const snapshots = sse.map((f) => (readFileSync(join(results, f), 'utf8').match(/^event: snapshot$/gm) || []).length);
const bytes = sse.map((f) => statSync(join(results, f)).size);

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const closed = runs.filter((r) => r.label.startsWith('closed'));
const open = runs.filter((r) => r.label.startsWith('open'));
const closedRps = mean(closed.map((r) => r.rps));
const openRps = mean(open.map((r) => r.rps));
const drop = (1 - openRps / closedRps) * 100;

let md = `## Operations page: its cost to the gateway (\`bench/dashboard\`)\n\n`;
md += `${facts.date}, ${facts.nproc} cores (${facts.cpu}), ${facts.java}; load average ${facts.loadavg} before the run and ${loadAfter} when this section was written; ${facts.switchboard}.\n`;
md += `One Switchboard; the gateway load (${runs[0]?.sessions} MCP sessions calling \`echo\`, ${runs[0]?.duration_s} s measured per run) `;
md += `alternately with no page open and with ${feeds} open feeds of \`/observe/dashboard/events\` (curl readers).\n\n`;
md += `| run | feeds open | requests/s | p50 ms | p99 ms | errors | server CPU (cores) |\n|---|---|---|---|---|---|---|\n`;
for (const r of runs) {
  md += `| ${r.label} | ${r.label.startsWith('open') ? feeds : 0} | ${r.rps.toLocaleString('en')} | ${r.p50_ms.toFixed(2)} | ${r.p99_ms.toFixed(2)} | ${r.errors} | ${Number(r.server_cpu_cores).toFixed(2)} |\n`;
}
md += `\nMean: ${Math.round(closedRps).toLocaleString('en')} requests/s with no page open, ${Math.round(openRps).toLocaleString('en')} with ${feeds} open: `;
// Two runs under the same condition differ by this much on this machine: a difference between
// the conditions that is not larger says nothing.
const spreadOf = (rs) => (rs.length < 2 ? 0 : (Math.max(...rs.map((r) => r.rps)) / Math.min(...rs.map((r) => r.rps)) - 1) * 100);
const spread = Math.max(spreadOf(closed), spreadOf(open));
const verdict = Math.abs(drop) <= spread
  ? `inconclusive: runs of the same condition differ by up to ${spread.toFixed(0)} % on this machine, more than the difference`
  : drop < 5 ? 'met' : 'NOT met';
md += `**${drop >= 0 ? `${drop.toFixed(1)} % fewer` : `${(-drop).toFixed(1)} % more`}** (target: less than 5 % fewer) — ${verdict}.\n`;
md += `Each feed received ${Math.min(...snapshots)}–${Math.max(...snapshots)} snapshots (${Math.round(mean(bytes) / Math.max(1, mean(snapshots)))} bytes each on average) while its run lasted.\n`;

const idle = (label) => {
  const f = join(results, `dashboard-idle-${label}.json`);
  if (!existsSync(f)) return null;
  const j = JSON.parse(readFileSync(f, 'utf8'));
  return (j.cpu_ticks / j.clk_tck) / j.seconds;
};
const idleClosed = idle('closed');
const idleOpen = idle('open');
if (idleClosed !== null && idleOpen !== null) {
  const extra = idleOpen - idleClosed;
  const busy = mean(closed.map((r) => Number(r.server_cpu_cores)));
  md += `Without the load, the server used ${(idleClosed * 1000).toFixed(1)} ms of CPU per second with no page open and `;
  md += `${(idleOpen * 1000).toFixed(1)} ms/s with ${feeds} feeds open: the page costs ${(extra * 1000).toFixed(1)} ms of CPU per second`;
  md += busy > 0 ? `, ${((extra / busy) * 100).toFixed(1)} % of the ${busy.toFixed(2)} cores the server used under the load (the RPS a CPU-bound server would lose).\n` : '.\n';
}

const start = '<!-- bench:dashboard:start -->';
const end = '<!-- bench:dashboard:end -->';
const section = `${start}\n${md}${end}`;
let doc = existsSync(out) ? readFileSync(out, 'utf8') : '# Benchmarks\n';
doc = doc.includes(start) ? doc.slice(0, doc.indexOf(start)) + section + doc.slice(doc.indexOf(end) + end.length) : `${doc.trimEnd()}\n\n${section}\n`;
writeFileSync(out, doc);
console.log(md);
