package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * bench/mattermost: (1) a tool call through Switchboard to the fake Mattermost beside the same
 * REST call made directly (the overhead of MCP + guard + routes + throttle + breaker + retry +
 * result shaping); (2) a post in Mattermost until the AI's notifications/message, at a steady rate.
 * Sender and receiver are this JVM, so latencies use one clock (System.nanoTime).
 */
public final class MattermostLoad {

    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        URI mcpUrl = URI.create(a.get("mcp", "http://127.0.0.1:8080/mcp"));
        String fake = a.get("fake", "http://127.0.0.1:8065");
        String token = a.get("token", "");
        String channel = a.get("channel", "");
        int calls = a.getInt("calls", 2000);
        int events = a.getInt("events", 2000);
        int rate = a.getInt("rate", 200);
        Path out = Path.of(a.get("out", "bench/results/mattermost.json"));

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        McpConnection mcp = new McpConnection(http, mcpUrl);
        mcp.initialize().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        HttpRequest direct = HttpRequest.newBuilder(URI.create(fake + "/api/v4/channels/" + channel + "/stats"))
                .header("Authorization", "Bearer " + token).GET().build();
        String args = "{\"channel_id\":\"" + channel + "\"}";

        Map<String, Object> results = new LinkedHashMap<>();
        // Warm-up of both paths (JIT), not measured.
        toolCalls(mcp, args, 1500);
        directCalls(http, direct, 1500);
        results.put("direct", directCalls(http, direct, calls));
        results.put("switchboard", toolCalls(mcp, args, calls));

        // Events: post at a steady rate, time until the notification arrives.
        ConcurrentHashMap<Integer, Long> sent = new ConcurrentHashMap<>();
        Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        CountDownLatch[] done = {new CountDownLatch(events)};
        HttpClient streams = HttpClient.newHttpClient();
        mcp.listen(streams, msg -> {
            if (!"notifications/message".equals(msg.path("method").asText())) {
                return;
            }
            String data = msg.path("params").path("data").asText();
            int i = data.indexOf("bench-");
            if (i < 0) {
                return;
            }
            int end = data.indexOf(' ', i);
            try {
                int seq = Integer.parseInt(data.substring(i + 6, end < 0 ? data.length() : end).replaceAll("[^0-9].*", ""));
                Long at = sent.remove(seq);
                if (at != null) {
                    synchronized (latency) {
                        latency.recordValue(Math.max(1, (System.nanoTime() - at) / 1000));
                    }
                    done[0].countDown();
                }
            } catch (NumberFormatException ignored) {
                // another post
            }
        }).get(30, TimeUnit.SECONDS);
        // Warm-up of the event path: 1,000 events, not measured.
        post(http, fake, sent, 1_000_000, 1000, rate);
        new CountDownLatch(1).await(3, TimeUnit.SECONDS);
        synchronized (latency) {
            latency.reset();
        }
        sent.clear();
        done[0] = new CountDownLatch(events);
        long started = System.nanoTime();
        post(http, fake, sent, 0, events, rate);
        boolean all = done[0].await(60, TimeUnit.SECONDS);
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("rate", rate);
        ev.put("sent", events);
        ev.put("received", events - done[0].getCount());
        ev.put("complete", all);
        ev.put("seconds", Math.round((System.nanoTime() - started) / 1e7) / 100.0);
        synchronized (latency) {
            ev.putAll(percentiles(latency));
        }
        results.put("events", ev);

        Files.createDirectories(out.getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), results);
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        if (a.get("markdown", null) != null) {
            Properties machine = new Properties();
            try (var in = Files.newInputStream(Path.of(a.get("machine", "bench/results/machine.properties")))) {
                machine.load(in);
            }
            writeSection(Path.of(a.get("markdown", null)), section(results, machine, calls));
        }
        System.exit(0);
    }

    static void post(HttpClient http, String fake, Map<Integer, Long> sent, int first, int n, int rate) throws Exception {
        long start = System.nanoTime();
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        for (int i = 0; i < n; i++) {
            long due = start + i * interval;
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
            int seq = first + i;
            String body = "{\"user\":\"alice\",\"channel\":\"town-square\",\"message\":\"bench-" + seq + " load\"}";
            sent.put(seq, System.nanoTime());
            http.sendAsync(HttpRequest.newBuilder(URI.create(fake + "/fake/post")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }

    static Map<String, Object> toolCalls(McpConnection mcp, String args, int n) throws Exception {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        int errors = 0;
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            JsonNode r = mcp.callTool("mattermost_get_channel_stats", args).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            h.recordValue(Math.max(1, (System.nanoTime() - t) / 1000));
            if (r.path("result").path("isError").asBoolean(true)) {
                errors++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("calls", n);
        m.put("errors", errors);
        m.putAll(percentiles(h));
        return m;
    }

    static Map<String, Object> directCalls(HttpClient http, HttpRequest direct, int n) throws Exception {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        int errors = 0;
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            HttpResponse<String> r = http.send(direct, HttpResponse.BodyHandlers.ofString());
            h.recordValue(Math.max(1, (System.nanoTime() - t) / 1000));
            if (r.statusCode() != 200) {
                errors++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("calls", n);
        m.put("errors", errors);
        m.putAll(percentiles(h));
        return m;
    }

    static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50_ms", h.getValueAtPercentile(50) / 1000.0);
        m.put("p99_ms", h.getValueAtPercentile(99) / 1000.0);
        m.put("max_ms", h.getMaxValue() / 1000.0);
        return m;
    }

    @SuppressWarnings("unchecked")
    static String section(Map<String, Object> r, Properties machine, int calls) {
        Map<String, Object> d = (Map<String, Object>) r.get("direct");
        Map<String, Object> s = (Map<String, Object>) r.get("switchboard");
        Map<String, Object> e = (Map<String, Object>) r.get("events");
        StringBuilder b = new StringBuilder();
        b.append("<!-- bench:mattermost:start -->\n## Mattermost bridge: tool-call overhead and event latency\n\n");
        b.append("`bench/mattermost`, ").append(machine.getProperty("date")).append(", ").append(machine.getProperty("nproc"))
                .append(" cores (").append(machine.getProperty("cpu")).append("), load average at start ")
                .append(machine.getProperty("loadavg")).append(", ").append(machine.getProperty("java")).append(".\n\n");
        b.append("Against the fake Mattermost of the tests (Vert.x on loopback, its own JVM, every request checked against ")
                .append("the OpenAPI contract - which costs the fake time on both paths). Tool call: `mattermost_get_channel_stats` ")
                .append("over MCP (one session, one call at a time) beside the same `GET /api/v4/channels/{id}/stats` sent ")
                .append("directly; ").append(calls).append(" calls each after 1,500 warm-up calls. Switchboard ran with ")
                .append("`SWITCHBOARD_MATTERMOST_RATE=100000` and `SWITCHBOARD_RATE_LIMIT=0` so the throttles do not set the pace.\n\n");
        b.append("| path | calls | errors | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
        b.append("| direct REST call | ").append(d.get("calls")).append(" | ").append(d.get("errors")).append(" | ")
                .append(ms(d.get("p50_ms"))).append(" | ").append(ms(d.get("p99_ms"))).append(" | ").append(ms(d.get("max_ms"))).append(" |\n");
        b.append("| MCP tool call through Switchboard | ").append(s.get("calls")).append(" | ").append(s.get("errors")).append(" | ")
                .append(ms(s.get("p50_ms"))).append(" | ").append(ms(s.get("p99_ms"))).append(" | ").append(ms(s.get("max_ms"))).append(" |\n");
        b.append("\nOverhead of Switchboard: ")
                .append(ms(((Number) s.get("p50_ms")).doubleValue() - ((Number) d.get("p50_ms")).doubleValue())).append(" ms at p50, ")
                .append(ms(((Number) s.get("p99_ms")).doubleValue() - ((Number) d.get("p99_ms")).doubleValue())).append(" ms at p99.\n\n");
        b.append("Events: posts made in the fake (`POST /fake/post`) at ").append(e.get("rate")).append("/s until each one's ")
                .append("`notifications/message` reaches the MCP session's listening stream (fake -> WebSocket -> seda -> ")
                .append("de-duplication -> notification); after 1,000 warm-up events.\n\n");
        b.append("| rate | sent | received | p50 ms | p99 ms | max ms |\n|---:|---:|---:|---:|---:|---:|\n");
        b.append("| ").append(e.get("rate")).append("/s | ").append(e.get("sent")).append(" | ").append(e.get("received")).append(" | ")
                .append(ms(e.get("p50_ms"))).append(" | ").append(ms(e.get("p99_ms"))).append(" | ").append(ms(e.get("max_ms"))).append(" |\n");
        b.append("\nThe machine runs other builds meanwhile (see the load average); figures from one run. Reproduce with ")
                .append("`bench/mattermost` (`BENCH_MM_CALLS`, `BENCH_MM_EVENTS`, `BENCH_MM_RATE`); raw figures in ")
                .append("`bench/results/mattermost.json`.\n<!-- bench:mattermost:end -->\n");
        return b.toString();
    }

    static String ms(Object v) {
        return String.format(Locale.ROOT, "%.2f", ((Number) v).doubleValue());
    }

    static void writeSection(Path md, String section) throws Exception {
        String text = Files.exists(md) ? Files.readString(md) : "";
        int start = text.indexOf("<!-- bench:mattermost:start -->");
        int end = text.indexOf("<!-- bench:mattermost:end -->");
        if (start >= 0 && end > start) {
            text = text.substring(0, start) + section + text.substring(end + "<!-- bench:mattermost:end -->\n".length());
        } else {
            text = text + (text.endsWith("\n\n") ? "" : "\n") + section;
        }
        Files.writeString(md, text);
    }
}
