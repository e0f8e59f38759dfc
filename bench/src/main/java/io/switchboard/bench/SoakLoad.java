package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import java.io.BufferedWriter;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The soak: mixed MCP traffic at a steady rate for a long time (broker sends announced to
 * listening sessions, receives and acks; Bindery create/get/delete on the embedded backend; MQTT
 * publishes and collections against a local Mosquitto; XMPP sends through a local Prosody when
 * given; catalogue reads), while the server's heap (jcmd GC.heap_info) and RSS
 * (/proc/PID/status) are sampled every 10 s into a CSV. At the end: start, end and max of both,
 * and the least-squares slope over the run after the first five minutes (warm-up: JIT, pools,
 * caches), written as the soak section of docs/BENCHMARKS.md.
 */
public final class SoakLoad {

    private static final String PROTOCOL = "soak";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI url;
    private final Map<String, LongAdder[]> counts = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder notified = new LongAdder();
    private final List<McpConnection> agents = new ArrayList<>();
    private final List<String> agentIds = new ArrayList<>();

    private SoakLoad(URI url) {
        this.url = url;
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        SoakLoad soak = new SoakLoad(URI.create(a.get("url", "http://127.0.0.1:8080/mcp")));
        soak.run(a);
        System.exit(0);
    }

    private void run(Args a) throws Exception {
        int minutes = a.getInt("minutes", 30);
        int rate = a.getInt("rate", 20);
        long pid = Long.parseLong(a.get("server-pid", "-1"));
        String xmppPeer = a.get("xmpp-peer", "");
        int mqttPort = a.getInt("mqtt-port", -1);
        Path csv = Path.of(a.get("csv", "bench/results/soak.csv"));

        // ---- set-up: four broker agents listening, one protocol; an MQTT session; one general client
        // Several sessions for the general traffic: one would reach the per-session limit of requests
        // in flight (switchboard.mcp.max-streams-per-session) whenever the server is slow for a moment.
        List<McpConnection> generals = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            McpConnection c = new McpConnection(http, url);
            await(c.initialize());
            generals.add(c);
        }
        AtomicInteger nextGeneral = new AtomicInteger();
        Supplier<McpConnection> any = () -> generals.get(Math.floorMod(nextGeneral.getAndIncrement(), generals.size()));
        McpConnection general = generals.get(0);
        for (int i = 0; i < 4; i++) {
            McpConnection c = new McpConnection(http, url);
            await(c.initialize());
            JsonNode r = await(c.callTool("broker_connect", "{}"));
            agentIds.add(r.path("result").path("structuredContent").path("session_id").asText());
            c.listen(http, msg -> {
                if (!msg.path("params").path("data").path("message").isMissingNode()) {
                    notified.increment();
                }
            }).get(60, TimeUnit.SECONDS);
            agents.add(c);
        }
        await(agents.get(0).callTool("broker_register_protocol", "{\"name\":\"" + PROTOCOL
                + "\",\"version\":\"1.0.0\",\"schema\":{\"type\":\"object\"},\"capabilities\":[\"point_to_point\"]}"));
        String mqttSession = null;
        if (mqttPort > 0) {
            JsonNode r = await(general.callTool("mqtt_establish_connection",
                    "{\"connection_string\":\"mqtt://127.0.0.1:" + mqttPort + "/soak-" + ProcessHandle.current().pid() + "\"}"));
            mqttSession = r.path("result").path("structuredContent").path("session_id").asText();
        }

        List<Supplier<Future<Boolean>>> mix = new ArrayList<>();
        mix.add(op("broker_send_message", () -> {
            int from = ThreadLocalRandom.current().nextInt(agents.size());
            String to = agentIds.get((from + 1) % agentIds.size());
            return agents.get(from).callTool("broker_send_message", "{\"recipient_id\":\"" + to + "\",\"protocol_name\":\"" + PROTOCOL
                    + "\",\"protocol_version\":\"1.0.0\",\"payload\":{\"t\":" + System.nanoTime() + "}}");
        }));
        mix.add(op("broker_receive_and_ack", () -> {
            McpConnection c = agents.get(ThreadLocalRandom.current().nextInt(agents.size()));
            return c.callTool("broker_receive_messages", "{\"limit\":50}").compose(r -> {
                List<String> ids = new ArrayList<>();
                for (JsonNode m : r.path("result").path("structuredContent").path("messages")) {
                    ids.add("\"" + m.path("message_id").asText() + "\"");
                }
                return ids.isEmpty() ? Future.succeededFuture(r)
                        : c.callTool("broker_ack", "{\"message_ids\":[" + String.join(",", ids) + "]}");
            });
        }));
        mix.add(op("bindery_task_cycle", () -> {
            McpConnection c = any.get();
            return c.callTool("bindery_create_task", "{\"task_input\":{\"title\":\"soak " + System.nanoTime() + "\",\"priority\":\"normal\"}}")
                    .compose(r -> {
                        String id = taskId(r.path("result").path("structuredContent"));
                        return id == null ? Future.succeededFuture(r)
                                : c.callTool("bindery_get_task", "{\"task_id\":\"" + id + "\"}")
                                .compose(g -> c.callTool("bindery_delete_task", "{\"task_id\":\"" + id + "\"}"));
                    });
        }));
        mix.add(op("broker_list_sessions", () -> any.get().callTool("broker_list_sessions", "{\"status_filter\":\"active\"}")));
        mix.add(op("tools_list", () -> any.get().request("tools/list", "{}")));
        if (mqttSession != null) {
            String sid = mqttSession;
            mix.add(op("mqtt_publish_message", () -> any.get().callTool("mqtt_publish_message", "{\"session_id\":\"" + sid
                    + "\",\"topic\":\"soak/t" + ThreadLocalRandom.current().nextInt(4) + "\",\"payload\":{\"v\":"
                    + ThreadLocalRandom.current().nextInt(1000) + "},\"qos\":1}")));
        }
        if (!xmppPeer.isBlank()) {
            mix.add(op("xmpp_send_message", () -> any.get().callTool("xmpp_send_message",
                    "{\"recipient\":\"" + xmppPeer + "\",\"message\":\"soak " + Instant.now() + "\"}")));
        }

        ScheduledExecutorService clock = Executors.newScheduledThreadPool(2);
        long start = System.nanoTime();
        long end = start + TimeUnit.MINUTES.toNanos(minutes);
        AtomicLong tick = new AtomicLong();
        clock.scheduleAtFixedRate(() -> {
            if (inFlight.get() > rate * 10) {
                // The server fell behind: skip rather than pile up; shows as a lower achieved rate.
                count("skipped", false);
                return;
            }
            mix.get((int) (tick.getAndIncrement() % mix.size())).get();
        }, 0, 1_000_000 / rate, TimeUnit.MICROSECONDS);
        for (McpConnection c : agents) {
            clock.scheduleAtFixedRate(() -> c.callTool("broker_heartbeat", "{}"), 10, 10, TimeUnit.SECONDS);
        }
        if (mqttSession != null) {
            String sid = mqttSession;
            // A 5 s collection every 30 s: a listening tool, beside the publishes it sees (the bench client's
            // idle timeout is 10 s, so it stays under that).
            Supplier<Future<Boolean>> collect = op("mqtt_subscribe_and_collect", () -> general.callTool("mqtt_subscribe_and_collect",
                    "{\"session_id\":\"" + sid + "\",\"topic_pattern\":\"soak/#\",\"duration_seconds\":5,\"max_messages\":100}"));
            clock.scheduleAtFixedRate(collect::get, 5, 30, TimeUnit.SECONDS);
        }

        List<double[]> samples = new ArrayList<>();
        Files.createDirectories(csv.toAbsolutePath().getParent());
        try (BufferedWriter out = Files.newBufferedWriter(csv)) {
            out.write("elapsed_s,heap_used_mb,rss_mb,calls_ok,calls_failed,notifications\n");
            while (true) {
                double elapsed = (System.nanoTime() - start) / 1e9;
                double heap = heapMb(pid);
                double rss = rssMb(pid);
                long[] totals = totals();
                samples.add(new double[] {elapsed, heap, rss});
                out.write(String.format(Locale.ROOT, "%.0f,%.1f,%.1f,%d,%d,%d%n", elapsed, heap, rss, totals[0], totals[1], notified.sum()));
                out.flush();
                System.err.printf(Locale.ROOT, "soak: %4.0f s heap %.1f MB rss %.1f MB ok %d failed %d%n", elapsed, heap, rss, totals[0], totals[1]);
                if (System.nanoTime() >= end) {
                    break;
                }
                LoadGenerator.sleepUntil(Math.min(end, start + (long) ((elapsed + 10) * 1e9)));
            }
        }
        clock.shutdownNow();

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("minutes", minutes);
        result.put("rate_per_s", rate);
        result.put("samples", samples.size());
        result.put("heap_mb", figures(samples, 1));
        result.put("rss_mb", figures(samples, 2));
        Map<String, Object> calls = new LinkedHashMap<>();
        counts.forEach((k, v) -> calls.put(k, Map.of("ok", v[0].sum(), "failed", v[1].sum())));
        result.put("calls", calls);
        result.put("notifications", notified.sum());
        String json = McpConnection.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result);
        System.out.println(json);
        String outJson = a.get("out", null);
        if (outJson != null) {
            Files.writeString(Path.of(outJson), json);
        }
        String markdown = a.get("markdown", null);
        if (markdown != null) {
            Properties machine = new Properties();
            Path m = Path.of(a.get("machine", "bench/results/machine.properties"));
            if (Files.exists(m)) {
                try (Reader r = Files.newBufferedReader(m)) {
                    machine.load(r);
                }
            }
            Path doc = Path.of(markdown);
            String existing = Files.exists(doc) ? Files.readString(doc) : null;
            Files.writeString(doc, Report.replaceSection(existing, "soak", section(result, machine, a)));
        }
    }

    /** One kind of call in the mix; a call counts as failed on a transport error or an isError result. */
    private Supplier<Future<Boolean>> op(String name, Supplier<Future<JsonNode>> call) {
        return () -> {
            inFlight.incrementAndGet();
            Future<JsonNode> f;
            try {
                f = call.get();
            } catch (RuntimeException e) {
                f = Future.failedFuture(e);
            }
            return f.map(r -> {
                        boolean ok = !r.has("error") && !r.path("result").path("isError").asBoolean(false);
                        if (!ok) {
                            report(name, r.toString());
                        }
                        return ok;
                    })
                    .otherwise(e -> {
                        report(name, String.valueOf(e));
                        return false;
                    })
                    .onComplete(ar -> {
                        inFlight.decrementAndGet();
                        count(name, ar.result());
                    });
        };
    }

    /** The first few failures of each kind, as they were answered (the figures only count them). */
    private void report(String name, String what) {
        LongAdder[] c = counts.computeIfAbsent(name, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        if (c[1].sum() < 3) {
            System.err.println("soak: " + name + " failed: " + (what.length() > 300 ? what.substring(0, 300) + "..." : what));
        }
    }

    private void count(String name, boolean ok) {
        counts.computeIfAbsent(name, k -> new LongAdder[] {new LongAdder(), new LongAdder()})[ok ? 0 : 1].increment();
    }

    private long[] totals() {
        long ok = 0;
        long failed = 0;
        for (Map.Entry<String, LongAdder[]> e : counts.entrySet()) {
            if (!e.getKey().equals("skipped")) {
                ok += e.getValue()[0].sum();
                failed += e.getValue()[1].sum();
            }
        }
        return new long[] {ok, failed};
    }

    private static String taskId(JsonNode sc) {
        for (String k : List.of("task_id", "id")) {
            if (sc.path(k).isTextual() || sc.path(k).isNumber()) {
                return sc.path(k).asText();
            }
            if (sc.path("task").path(k).isTextual()) {
                return sc.path("task").path(k).asText();
            }
        }
        return null;
    }

    /**
     * Heap in use, from {@code jcmd PID GC.heap_info} (the "used" of the heap line): Switchboard's
     * /observe/metrics carries no JVM meters, and jcmd reads the same figure the GC reports.
     */
    private static double heapMb(long pid) {
        try {
            Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(30, TimeUnit.SECONDS);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("heap\\s+total \\d+K, used (\\d+)K").matcher(out);
            return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : Double.NaN;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    private static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (Exception e) {
            // the process is gone: NaN in the CSV says so
        }
        return Double.NaN;
    }

    /** start, end, max, and the slope (MB per hour) of a least-squares line through the samples after five minutes. */
    private static Map<String, Object> figures(List<double[]> samples, int column) {
        Map<String, Object> f = new LinkedHashMap<>();
        double max = Double.NEGATIVE_INFINITY;
        for (double[] s : samples) {
            max = Math.max(max, s[column]);
        }
        f.put("start", round(samples.get(0)[column]));
        f.put("end", round(samples.get(samples.size() - 1)[column]));
        f.put("max", round(max));
        double from = samples.get(samples.size() - 1)[0] > 900 ? 300 : 0;
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (double[] s : samples) {
            if (s[0] < from || Double.isNaN(s[column])) {
                continue;
            }
            double x = s[0] / 3600.0;
            n++;
            sx += x;
            sy += s[column];
            sxx += x * x;
            sxy += x * s[column];
        }
        f.put("slope_mb_per_hour", n < 3 ? null : round((n * sxy - sx * sy) / (n * sxx - sx * sx)));
        f.put("slope_from_s", from);
        return f;
    }

    private static double round(double d) {
        return Math.round(d * 10.0) / 10.0;
    }

    @SuppressWarnings("unchecked")
    private static String section(Map<String, Object> r, Properties m, Args a) {
        Map<String, Object> heap = (Map<String, Object>) r.get("heap_mb");
        Map<String, Object> rss = (Map<String, Object>) r.get("rss_mb");
        StringBuilder md = new StringBuilder();
        md.append("## Soak (`bench/soak`)\n\n");
        md.append(String.format(Locale.ROOT, "%s min of mixed traffic at %s calls/s (round robin over the kinds below), heap and RSS "
                + "of the Switchboard process sampled every 10 s (%s samples). Switchboard ran with `-Xmx%s`. "
                + "The machine was shared with other builds and test runs while this ran: absolute figures are noisy, the "
                + "trend is what the soak is for.%n%n", r.get("minutes"), r.get("rate_per_s"), r.get("samples"), a.get("xmx", "?")));
        md.append("| | start | end | max | slope after 5 min |\n|---|---|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| heap used (MB) | %s | %s | %s | %s MB/h |%n", heap.get("start"), heap.get("end"), heap.get("max"),
                heap.get("slope_mb_per_hour")));
        md.append(String.format(Locale.ROOT, "| RSS (MB) | %s | %s | %s | %s MB/h |%n%n", rss.get("start"), rss.get("end"), rss.get("max"),
                rss.get("slope_mb_per_hour")));
        md.append("Heap used is the \"used\" of `jcmd PID GC.heap_info` (a sawtooth between collections: its troughs "
                + "are the live set); RSS is VmRSS from /proc.\n\n");
        md.append("![heap and RSS over the soak](soak.png)\n\n");
        md.append("| call | ok | failed |\n|---|---|---|\n");
        ((Map<String, Map<String, Object>>) r.get("calls")).forEach((k, v) ->
                md.append("| ").append(k).append(" | ").append(v.get("ok")).append(" | ").append(v.get("failed")).append(" |\n"));
        md.append(String.format(Locale.ROOT, "%nBroker messages announced to the listening agents: %s. Mattermost is not in the mix "
                + "(its fake lives in the test classes; `bench/mattermost` covers it).%n%n", r.get("notifications")));
        md.append(String.format("Machine: %s, %s cores, %s; %s; load average at start %s; %s.%n", m.getProperty("cpu", "?"),
                m.getProperty("nproc", "?"), m.getProperty("memory", "?"), m.getProperty("java", "?"), m.getProperty("loadavg", "?"),
                m.getProperty("switchboard", "?")));
        return md.toString();
    }

    private static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
