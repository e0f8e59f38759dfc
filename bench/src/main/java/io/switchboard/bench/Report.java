package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;

/**
 * Writes one benchmark's section of docs/BENCHMARKS.md from the JSON results the load generators
 * left in bench/results. Each section sits between {@code <!-- bench:NAME:start -->} and
 * {@code <!-- bench:NAME:end -->}; only that span is replaced, so the other benchmarks' sections
 * and anything written by hand around them stay as they are.
 *
 * <p>{@code --section gateway} (bench/run) or {@code --section broker} (bench/broker).
 */
public final class Report {

    private static final String FILE_HEADER = """
            # Benchmarks

            Figures measured by the scripts in `bench/` (see `bench/README.md`), each section by its own
            script. Benchmarks never gate CI: the machines are shared and noisy, so compare the figures of
            one run with each other rather than across runs or machines.
            """;

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        Path results = Path.of(a.get("results", "bench/results"));
        Path out = Path.of(a.get("out", "docs/BENCHMARKS.md"));
        String section = a.get("section", "gateway");
        Properties machine = new Properties();
        Path machineFile = results.resolve("machine.properties");
        if (Files.exists(machineFile)) {
            try (Reader r = Files.newBufferedReader(machineFile)) {
                machine.load(r);
            }
        }
        String body = switch (section) {
            case "gateway" -> gateway(results, machine);
            case "broker" -> broker(results, machine);
            default -> throw new IllegalArgumentException("unknown section " + section);
        };
        String markdown = replaceSection(Files.exists(out) ? Files.readString(out) : null, section, body);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, markdown);
        System.out.println(body);
    }

    /** The file with the section's marked span replaced, or the section appended when it has none yet. */
    static String replaceSection(String existing, String name, String body) {
        String start = "<!-- bench:" + name + ":start -->";
        String end = "<!-- bench:" + name + ":end -->";
        String marked = start + "\n" + body.strip() + "\n" + end + "\n";
        if (existing == null || existing.isBlank()) {
            return FILE_HEADER + "\n" + marked;
        }
        int from = existing.indexOf(start);
        int to = existing.indexOf(end);
        if (from >= 0 && to > from) {
            int after = to + end.length();
            if (after < existing.length() && existing.charAt(after) == '\n') {
                after++;
            }
            return existing.substring(0, from) + marked + existing.substring(after);
        }
        return existing.stripTrailing() + "\n\n" + marked;
    }

    private static String gateway(Path results, Properties machine) throws IOException {
        JsonNode sb = read(results.resolve("gateway-switchboard.json"));
        JsonNode sbWorker = read(results.resolve("gateway-switchboard-worker.json"));
        JsonNode ts = read(results.resolve("gateway-typescript.json"));
        JsonNode qk = read(results.resolve("gateway-quarkus.json"));
        JsonNode qkWorker = read(results.resolve("gateway-quarkus-worker.json"));
        JsonNode jsdk = read(results.resolve("gateway-java-sdk.json"));
        JsonNode vx = read(results.resolve("gateway-vertx.json"));
        JsonNode sb2026 = read(results.resolve("gateway-switchboard-2026.json"));
        JsonNode any = measured(sb) ? sb : measured(ts) ? ts : measured(vx) ? vx : null;
        StringBuilder md = new StringBuilder();
        md.append("## MCP gateway: `tools/call` of a trivial tool, side by side\n\n");
        md.append(measuredOn(machine));
        if (any != null) {
            md.append(String.format("**Settings.** %d MCP sessions (Streamable HTTP, protocol %s, keep-alive, one call in flight per "
                            + "session) call an `echo` tool (`{\"text\":\"hello\"}` in, the same back as `structuredContent` and as "
                            + "text) back to back: %s s warm-up, then %s s measured. The same Java load generator "
                            + "(`io.switchboard.bench.LoadGenerator`: Vert.x HTTP client, HdrHistogram) runs against each server "
                            + "in turn with identical settings; each server runs alone, on 127.0.0.1. A call counts when it starts "
                            + "and ends inside the measured window; every reply is checked to be the echo result.%n%n",
                    any.path("sessions").asInt(), McpConnection.PROTOCOL_VERSION, number(any.path("warmup_s")), number(any.path("duration_s"))));
        }
        md.append("| server | RPS | p50 ms | p95 ms | p99 ms | max ms | errors | server CPU | load generator CPU |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        gatewayRow(md, "Switchboard (jar; Camel route `direct:echo` from `bench/routes`, declared `blocking: false`)", sb);
        gatewayRow(md, "Switchboard, the same route on workers (declaration without `blocking: false`: the hop every "
                + "tool paid before)", sbWorker);
        gatewayRow(md, "MCP TypeScript SDK server " + tsSdkVersion() + "(`McpServer` + stateful `StreamableHTTPServerTransport`, "
                + "JSON responses, `node:http`)", ts);
        gatewayRow(md, "Quarkus MCP server 1.13.0 on Quarkus 3.33.2, tool `@NonBlocking` (event loop)", qk);
        gatewayRow(md, "Quarkus MCP server, the same tool on its default worker thread", qkWorker);
        gatewayRow(md, "MCP Java SDK 2.1.0 Streamable HTTP servlet transport on Jetty 12.1", jsdk);
        gatewayRow(md, "bare Vert.x handler answering the same bytes (ceiling)", vx);
        gatewayRow(md, "Switchboard, MCP 2026-07-28 (stateless: no session, `_meta` and `Mcp-Method`/`Mcp-Name` on every "
                + "call; same jar, same route, right after the 2025 run)", sb2026);
        md.append('\n');

        Map<String, JsonNode> ac = new java.util.LinkedHashMap<>();
        for (String label : new String[] {"switchboard", "switchboard-worker", "typescript", "quarkus", "quarkus-worker", "java-sdk", "vertx"}) {
            JsonNode r = read(results.resolve("gateway-ac-" + label + ".json"));
            if (r != null) {
                ac.put(label, r);
            }
        }
        if (!ac.isEmpty()) {
            JsonNode first = ac.values().iterator().next();
            md.append(String.format("**With an independent load generator** (autocannon %s, %d connections, each on its own MCP "
                            + "session opened and checked to echo before the load, one request in flight per connection, %s s "
                            + "warm-up, %s s measured; right after the run above on the same server process; counts HTTP "
                            + "replies, and a non-2xx reply as an error):%n%n",
                    autocannonVersion(), first.path("connections").asInt(), number(first.path("warmup_s")), number(first.path("duration_s"))));
            md.append("| server | RPS | p50 ms | p99 ms | max ms | non-2xx + errors |\n|---|---:|---:|---:|---:|---:|\n");
            ac.forEach((label, r) -> md.append(String.format("| %s | %,d | %s | %s | %s | %d |%n", label, r.path("rps").asLong(),
                    number(r.path("p50_ms")), number(r.path("p99_ms")), number(r.path("max_ms")),
                    r.path("non2xx").asLong() + r.path("errors").asLong())));
            md.append('\n');
        }

        if (measured(sb) && measured(ts) && measured(vx)) {
            Map<String, JsonNode> ours = new java.util.LinkedHashMap<>();
            ours.put("switchboard", sb);
            ours.put("typescript", ts);
            ours.put("vertx", vx);
            putMeasured(ours, "quarkus", qk);
            putMeasured(ours, "quarkus-worker", qkWorker);
            putMeasured(ours, "java-sdk", jsdk);
            md.append("| target | our load generator | autocannon |\n|---|---|---|\n");
            md.append("| Switchboard ahead of every peer (TypeScript, Quarkus in both modes, Java SDK servlet) | ")
                    .append(aheadOfPeers(ours)).append(" | ").append(aheadOfPeers(ac)).append(" |\n");
            md.append("| Switchboard ≥ 80 % of the bare Vert.x RPS | ").append(share(ours, "vertx", 0.8, true))
                    .append(" | ").append(share(ac, "vertx", 0.8, true)).append(" |\n");
            md.append("| Switchboard ≥ 5× the TypeScript SDK (v1) server's RPS | ").append(share(ours, "typescript", 5, false))
                    .append(" | ").append(share(ac, "typescript", 5, false)).append(" |\n");
            double p99 = sb.path("p99_ms").asDouble();
            md.append(String.format("| Switchboard p99 < 20 ms | %.2f ms: %s | |%n%n", p99, verdict(p99 < 20)));
        } else {
            md.append("Not all of Switchboard, TypeScript and bare Vert.x were measured, so there are no ratios.\n\n");
        }
        errorNotes(md, "Switchboard", sb);
        errorNotes(md, "Switchboard, tool on workers", sbWorker);
        errorNotes(md, "TypeScript SDK server", ts);
        errorNotes(md, "Quarkus MCP server (@NonBlocking)", qk);
        errorNotes(md, "Quarkus MCP server (worker)", qkWorker);
        errorNotes(md, "MCP Java SDK servlet transport", jsdk);
        errorNotes(md, "bare Vert.x", vx);
        errorNotes(md, "Switchboard 2026-07-28", sb2026);

        md.append("""
                **How to read it.**
                - The load generator runs on the same machine and shares its CPUs with the server under test, so
                  every figure includes the client's own cost. It weighs most on the fastest server (the client's
                  work grows with the request rate), so the bare Vert.x ceiling is, if anything, understated.
                  The CPU columns say how the machine's cores were split during the measured window: the
                  server process's and the load generator's average use, in cores.
                - The loop is closed (a session sends its next call when the previous answer is in), so RPS is what
                  the server sustained with that many concurrent callers and latencies are per call as the caller saw them.
                - Switchboard runs with `SWITCHBOARD_RATE_LIMIT=0`: its per-client rate limit (200 requests/s per
                  client by default) keys anonymous clients on their address, and all sessions here come from one
                  address, so it would otherwise cap the run at 200 RPS. Everything else is the default
                  configuration of the jar (no token, default worker threads, default JVM settings).
                - The peers (`bench/peers/`) are built from their own small Maven projects with their frameworks'
                  defaults and the same tool: the Quarkus MCP server (`quarkus-mcp-server-http`; one process serving
                  `/mcp` with the tool `@NonBlocking` and `/worker/mcp` without it, measured one after the other)
                  and the MCP Java SDK's `HttpServletStreamableServerTransportProvider` on Jetty 12 (it answers every
                  call as a one-event SSE stream, which the load generators read). Every server runs on default JVM
                  settings.
                - The bare Vert.x server answers POST /mcp with the bytes Switchboard answers (same JSON, same
                  `Content-Type` and `Mcp-Session-Id` headers) after parsing the request with Jackson to echo its
                  id, on one event loop as Camel's platform-http server has: the cost of HTTP + JSON on the same
                  Vert.x, with no MCP logic.
                - Reproduce with `bench/run` (`BENCH_SESSIONS`, `BENCH_DURATION`, `BENCH_WARMUP`); the raw JSON of
                  each run and the server logs are left in `bench/results/` (not committed).
                """);
        return md.toString();
    }

    private static void putMeasured(Map<String, JsonNode> into, String label, JsonNode r) {
        if (measured(r)) {
            into.put(label, r);
        }
    }

    /** Switchboard's RPS against the fastest peer's (the bare Vert.x ceiling is not a peer). */
    private static String aheadOfPeers(Map<String, JsonNode> runs) {
        JsonNode sb = runs.get("switchboard");
        if (sb == null) {
            return "not measured";
        }
        String best = null;
        double bestRps = 0;
        for (Map.Entry<String, JsonNode> e : runs.entrySet()) {
            String label = e.getKey();
            if (label.startsWith("switchboard") || label.equals("vertx")) {
                continue;
            }
            double rps = e.getValue().path("rps").asDouble();
            if (rps > bestRps) {
                bestRps = rps;
                best = label;
            }
        }
        if (best == null) {
            return "no peer measured";
        }
        double ratio = sb.path("rps").asDouble() / bestRps;
        return String.format("%.2f× the fastest peer (%s): %s", ratio, best, verdict(ratio >= 1));
    }

    /** Switchboard's RPS as a share (percent) or multiple of another run's. */
    private static String share(Map<String, JsonNode> runs, String other, double target, boolean percent) {
        JsonNode sb = runs.get("switchboard");
        JsonNode o = runs.get(other);
        if (sb == null || o == null) {
            return "not measured";
        }
        double ratio = sb.path("rps").asDouble() / Math.max(1, o.path("rps").asDouble());
        return (percent ? String.format("%.1f %%", ratio * 100) : String.format("%.2f×", ratio)) + ": " + verdict(ratio >= target);
    }

    /** The autocannon version bench/autocannon locked. */
    private static String autocannonVersion() {
        try {
            JsonNode lock = McpConnection.JSON.readTree(Path.of("bench/autocannon/package-lock.json").toFile());
            return lock.path("packages").path("node_modules/autocannon").path("version").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static void gatewayRow(StringBuilder md, String name, JsonNode r) {
        if (r == null || r.has("failed")) {
            String why = r == null ? "not measured" : "run failed: " + r.path("failed").asText().replace('|', '/').replace('\n', ' ');
            md.append("| ").append(name).append(" | ").append(why).append(" | | | | | | | |\n");
            return;
        }
        md.append(String.format("| %s | %,d | %.2f | %.2f | %.2f | %.1f | %s | %s | %s |%n", name, r.path("rps").asLong(),
                r.path("p50_ms").asDouble(), r.path("p95_ms").asDouble(), r.path("p99_ms").asDouble(),
                r.path("max_ms").asDouble(), errorCell(r), cores(r.path("server_cpu_cores")), cores(r.path("client_cpu_cores"))));
    }

    private static String cores(JsonNode n) {
        return n.isNumber() ? String.format("%.2f cores", n.asDouble()) : "?";
    }

    private static boolean measured(JsonNode r) {
        return r != null && !r.has("failed");
    }

    private static String errorCell(JsonNode r) {
        long errors = r.path("errors").asLong();
        long warmupErrors = r.path("warmup_errors").asLong();
        return warmupErrors == 0 ? Long.toString(errors) : errors + " (+" + warmupErrors + " in warm-up)";
    }

    /** A run with errors says so, with what they were. */
    private static void errorNotes(StringBuilder md, String server, JsonNode r) {
        if (r == null || r.path("errors").asLong() + r.path("warmup_errors").asLong() == 0) {
            return;
        }
        md.append("**").append(server).append(" had errors** (calls whose reply was not the echo result):\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("error_kinds").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            md.append(String.format("- `%s` × %,d, first: `%s`%n", e.getKey(), e.getValue().path("count").asLong(),
                    e.getValue().path("first").asText().replace('`', '\'').replace('\n', ' ')));
        }
        md.append('\n');
    }

    private static String broker(Path results, Properties machine) throws IOException {
        JsonNode bs = read(results.resolve("broker-sqlite.json"));
        JsonNode bp = read(results.resolve("broker-postgresql.json"));
        JsonNode b2 = read(results.resolve("broker-postgresql-2.json"));
        StringBuilder md = new StringBuilder();
        md.append("## Agent broker: point-to-point sends to 1,000 connected sessions\n\n");
        md.append(measuredOn(machine));
        if (bs != null) {
            md.append(bs.path("sessions").asInt()).append(" broker sessions are connected, each with its SSE listening stream open; ")
                    .append(bs.path("senders").asInt()).append(" sender loops send `broker_send_message` to random recipients ")
                    .append("as fast as sends are acknowledged, for ").append(bs.path("duration_s").asInt())
                    .append(" s after a warm-up. A send is acknowledged only after the message is stored. Latency is from ")
                    .append("the sender's call to the `notifications/message` arriving on the recipient's stream. ")
                    .append("Recipients do not ack during the run, so the queue limit is raised for it ")
                    .append("(`SWITCHBOARD_BROKER_QUEUE_LIMIT`).\n\n");
        }
        md.append("| store | messages/s | notified | p50 ms | p95 ms | p99 ms | max ms | errors | server CPU | load generator CPU |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        brokerRow(md, "SQLite (default; WAL, synchronous NORMAL)", bs);
        brokerRow(md, "PostgreSQL 15 (loopback, fsync off as in the tests)", bp);
        brokerRow(md, "PostgreSQL 15, two instances (sessions alternate between them; delivery across them by LISTEN/NOTIFY)", b2);
        if (bs != null) {
            double rate = bs.path("messages_per_s").asDouble();
            double p99 = bs.path("p99_ms").asDouble();
            md.append(String.format("%nTarget on SQLite: ≥ 5,000 msg/s (%s) with p99 < 50 ms (%s); seed 004 asked 100 msg/s and p99 < 500 ms at 50 sessions.%n",
                    verdict(rate >= 5000), verdict(p99 < 50)));
        }
        return md.toString();
    }

    private static void brokerRow(StringBuilder md, String name, JsonNode r) {
        if (r == null) {
            md.append("| ").append(name).append(" | not measured | | | | | | | | |\n");
            return;
        }
        md.append(String.format("| %s | %,d | %,d | %.2f | %.2f | %.2f | %.1f | %d | %s | %s |%n", name, r.path("messages_per_s").asLong(),
                r.path("notified").asLong(), r.path("p50_ms").asDouble(), r.path("p95_ms").asDouble(),
                r.path("p99_ms").asDouble(), r.path("max_ms").asDouble(), r.path("errors").asLong(),
                cores(r.path("server_cpu_cores")), cores(r.path("client_cpu_cores"))));
    }

    /** Date and machine, from the facts bench/run wrote to machine.properties before the run. */
    private static String measuredOn(Properties m) {
        String date = m.getProperty("date", ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE));
        StringBuilder md = new StringBuilder("**Measured** ").append(date).append(" (UTC).");
        if (!m.isEmpty()) {
            md.append(String.format(" **Machine:** %s CPUs (%s), %s RAM, %s; Java: %s; Node: %s. Load average when the script started: %s.",
                    m.getProperty("nproc", "?"), m.getProperty("cpu", "?"), m.getProperty("memory", "?"), m.getProperty("os", "?"),
                    m.getProperty("java", "?"), m.getProperty("node", "?"), m.getProperty("loadavg", "?")));
            if (m.containsKey("switchboard")) {
                md.append(" Switchboard built from ").append(m.getProperty("switchboard")).append('.');
            }
        }
        return md.append("\n\n").toString();
    }

    /** The SDK version the TypeScript server was measured with, from its lock file. */
    private static String tsSdkVersion() {
        try {
            JsonNode lock = McpConnection.JSON.readTree(Path.of("bench/ts-server/package-lock.json").toFile());
            String v = lock.path("packages").path("node_modules/@modelcontextprotocol/sdk").path("version").asText("");
            return v.isEmpty() ? "" : v + " ";
        } catch (IOException e) {
            return "";
        }
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**not met**";
    }

    private static String number(JsonNode n) {
        double d = n.asDouble();
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static JsonNode read(Path p) throws IOException {
        return Files.exists(p) ? McpConnection.JSON.readTree(Files.readString(p)) : null;
    }
}
