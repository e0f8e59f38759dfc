package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.Semaphore;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * bench/mqtt: publishers flood one topic on a real Mosquitto while Switchboard ingests it through
 * one subscription (mqtt_list_topics: the template route, the bounded SEDA queue and a collector
 * that counts every message), then while mqtt_subscribe_and_collect runs under the same flood.
 * Reports the ingest rate Switchboard itself counted and the heap high-water mark of its JVM
 * (scraped from /observe/metrics every 100 ms).
 */
public final class MqttFlood {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\}\\s+([0-9.eE+-]+)", Pattern.MULTILINE);

    private final HttpClient http = HttpClient.newHttpClient();
    private final URI mcp;
    private String session;
    private final AtomicLong ids = new AtomicLong();

    private MqttFlood(URI mcp) {
        this.mcp = mcp;
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        URI url = URI.create(a.get("url", null));
        int mqttPort = a.getInt("mqtt-port", 1883);
        int duration = a.getInt("duration", 20);
        int publishers = a.getInt("publishers", 2);
        int payloadBytes = a.getInt("payload-bytes", 64);
        Path out = Path.of(a.get("out", "bench/results/mqtt.json"));
        URI metrics = URI.create(url.toString().replaceFirst("/mcp$", "/observe/metrics"));

        MqttFlood f = new MqttFlood(url);
        f.initialize();
        String sid = f.call("mqtt_establish_connection", Map.of("connection_string", "mqtt://127.0.0.1:" + mqttPort + "/bench"))
                .path("session_id").asText();

        AtomicBoolean scraping = new AtomicBoolean(true);
        AtomicLong heapMax = new AtomicLong();
        long heapBefore = f.heap(metrics);
        Thread scraper = new Thread(() -> {
            while (scraping.get()) {
                try {
                    heapMax.accumulateAndGet(f.heap(metrics), Math::max);
                    Thread.sleep(100);
                } catch (Exception e) {
                    return;
                }
            }
        });
        scraper.start();

        ObjectNode result = JSON.createObjectNode();
        result.put("started_at", Instant.now().toString());
        result.put("publishers", publishers);
        result.put("payload_bytes", payloadBytes);
        result.put("duration_seconds", duration);

        // Phase 1: ingest for `duration` seconds, every message counted by Switchboard.
        CompletableFuture<JsonNode> discovery = CompletableFuture.supplyAsync(() -> f.unchecked("mqtt_list_topics",
                Map.of("session_id", sid, "pattern", "flood/#", "duration_seconds", duration)));
        f.awaitSubscribed("flood/#");
        // The baseline: a bare Paho subscriber (no Camel, no queue) on the same broker and flood.
        LongAdder bare = new LongAdder();
        MqttAsyncClient baseline = new MqttAsyncClient("tcp://127.0.0.1:" + mqttPort, "bare-subscriber", new MemoryPersistence());
        baseline.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
            public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) { }
            public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) { }
            public void messageArrived(String topic, MqttMessage message) {
                bare.increment();
            }
            public void deliveryComplete(IMqttToken token) { }
            public void connectComplete(boolean reconnect, String uri) { }
            public void authPacketArrived(int code, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) { }
        });
        baseline.connect(new MqttConnectionOptions()).waitForCompletion(10_000);
        baseline.subscribe("flood/#", 2).waitForCompletion(10_000);
        Flood flood = new Flood(mqttPort, publishers, payloadBytes);
        long t0 = System.nanoTime();
        flood.start();
        JsonNode topics = discovery.get();
        double floodSeconds = (System.nanoTime() - t0) / 1e9;
        long bareCount = bare.sum();
        baseline.disconnect().waitForCompletion(5000);
        baseline.close();
        long ingested = topics.path("total_messages").asLong();
        // Phase 2: a collection under the same flood (it stops at max_messages and prunes).
        long c0 = System.nanoTime();
        JsonNode collected = f.call("mqtt_subscribe_and_collect", Map.of("session_id", sid, "topic_pattern", "flood/#",
                "duration_seconds", 10, "max_messages", 500));
        double collectMs = (System.nanoTime() - c0) / 1e6;
        flood.stop();
        scraping.set(false);
        scraper.join();

        result.put("ingested_messages", ingested);
        result.put("bare_paho_subscriber_messages", bareCount);
        result.put("bare_paho_subscriber_rate_per_second", bareCount / floodSeconds);
        result.put("ingest_rate_per_second", ingested / (double) duration);
        result.put("published_messages_during_discovery_window", flood.sentDuring(floodSeconds));
        result.put("published_messages_total", flood.sent.sum());
        result.put("publish_rate_per_second", flood.sent.sum() / flood.elapsedSeconds());
        // Scraped from /observe/metrics when it exposes JVM heap gauges, else from the GC log (occupancy before each GC).
        double scraped = heapMax.get() / 1048576.0;
        String gcLog = a.get("gc-log", null);
        double fromGc = gcLogHighWater(gcLog == null ? null : Path.of(gcLog));
        result.put("heap_high_water_mb", Math.max(scraped, fromGc));
        result.put("loadavg_after", Files.readString(Path.of("/proc/loadavg")).trim());
        result.put("heap_source", scraped > 0 ? "metrics" : "gc log");
        result.put("collect_under_flood_ms", collectMs);
        result.put("collect_original_message_count", collected.path("original_message_count").asInt());
        result.put("collect_message_count", collected.path("message_count").asInt());
        result.put("collect_stopped_because", collected.path("stopped_because").asText());
        f.call("mqtt_close_connection", Map.of("session_id", sid));
        Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println(result.toPrettyString());
        String markdown = a.get("markdown", null);
        if (markdown != null) {
            java.util.Properties machine = new java.util.Properties();
            Path m = Path.of(a.get("machine", "bench/results/machine.properties"));
            if (Files.exists(m)) {
                try (var in = Files.newBufferedReader(m)) {
                    machine.load(in);
                }
            }
            Path doc = Path.of(markdown);
            String existing = Files.exists(doc) ? Files.readString(doc) : null;
            Files.writeString(doc, Report.replaceSection(existing, "mqtt", section(result, machine, a.get("xmx", "?"))));
        }
    }

    private static String section(JsonNode r, java.util.Properties m, String xmx) {
        double rate = r.path("ingest_rate_per_second").asDouble();
        StringBuilder md = new StringBuilder("## MQTT 5: ingest under a flood (`bench/mqtt`)\n\n");
        md.append(String.format("**Measured** %s (UTC). **Machine:** %s CPUs (%s), %s RAM, %s; Java: %s. Load average when the script "
                        + "started: %s. Switchboard built from %s.%n%n",
                m.getProperty("date", "?"), m.getProperty("nproc", "?"), m.getProperty("cpu", "?"), m.getProperty("memory", "?"),
                m.getProperty("os", "?"), m.getProperty("java", "?"), m.getProperty("loadavg", "?"), m.getProperty("switchboard", "?")));
        md.append(String.format("%d Java publishers (Paho async client, QoS 0, %d-byte payloads, at most 1,000 unconfirmed writes each) flood `flood/one` on a Mosquitto 2 on loopback, "
                + "as fast as they can, while Switchboard (`java -Xmx%s -jar`) ingests the topic through one subscription "
                + "(`mqtt_list_topics` on `flood/#` for %d s: the route made from the `mqtt-subscription` template, the bounded "
                + "SEDA queue, a collector that counts every message). Then, under the same flood, `mqtt_subscribe_and_collect` "
                + "(max_messages 500). The heap high-water mark is the largest heap occupancy Switchboard's JVM reached (its GC log's occupancy before each collection, `-Xlog:gc`).%n%n",
                r.path("publishers").asInt(), r.path("payload_bytes").asInt(), xmx, r.path("duration_seconds").asInt()));
        md.append("| measure | value |\n|---|---:|\n");
        md.append(String.format("| messages ingested by Switchboard in %d s | %,d |%n", r.path("duration_seconds").asInt(), r.path("ingested_messages").asLong()));
        md.append(String.format("| **ingest rate** | **%,.0f msg/s** |%n", rate));
        md.append(String.format("| baseline: a bare Paho subscriber on the same flood, same window | %,.0f msg/s |%n",
                r.path("bare_paho_subscriber_rate_per_second").asDouble()));
        md.append(String.format("| publish rate (all publishers, whole run) | %,.0f msg/s |%n", r.path("publish_rate_per_second").asDouble()));
        md.append(String.format("| **heap high-water mark** (limit %s) | **%.0f MB** |%n", xmx, r.path("heap_high_water_mb").asDouble()));
        md.append(String.format("| collection under the flood: returned after | %,.0f ms (%s, %d kept of %d) |%n",
                r.path("collect_under_flood_ms").asDouble(), r.path("collect_stopped_because").asText(),
                r.path("collect_message_count").asInt(), r.path("collect_original_message_count").asInt()));
        double bare = r.path("bare_paho_subscriber_rate_per_second").asDouble();
        md.append(String.format("%nTarget: ≥ 20,000 msg/s ingested with bounded memory — %s on this machine (seed 003 asked for "
                        + "100 msg/s: %s). Switchboard's subscription took in %.0f %% of what a bare Paho subscriber (no Camel) "
                        + "received from the same broker in the same window; the load average after the run was %s on 2 cores "
                        + "shared with other builds, so the absolute figures move a lot from run to run. ",
                rate >= 20_000 ? "**met**" : "**not met**", rate >= 100 ? "met" : "not met",
                bare > 0 ? 100.0 * rate / bare : 0.0, r.path("loadavg_after").asText()));
        md.append("Memory stays bounded by design: a subscription's queue holds at most `switchboard.mqtt.queue-size` (10,000) "
                + "messages and a full queue holds the broker connection back instead of growing; a collection keeps at most "
                + "500 messages, discovery 1,000 topics. QoS 0 messages the broker could not hand over are dropped by Mosquitto, "
                + "so the publish rate can exceed the ingest rate. Reproduce with `bench/mqtt` (`BENCH_DURATION`, "
                + "`BENCH_PUBLISHERS`, `BENCH_PAYLOAD_BYTES`, `BENCH_MQTT_XMX`); raw JSON and logs in `bench/results/`.\n");
        return md.toString();
    }

    /** Publishers at QoS 0, as fast as Paho writes, each on its own connection. */
    private static final class Flood {
        final LongAdder sent = new LongAdder();
        final List<Thread> threads = new ArrayList<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final int port;
        final int count;
        final byte[] payload;
        volatile long startedNanos;
        volatile long stoppedNanos;

        Flood(int port, int count, int payloadBytes) {
            this.port = port;
            this.count = count;
            this.payload = "x".repeat(payloadBytes).getBytes(StandardCharsets.UTF_8);
        }

        void start() throws Exception {
            List<MqttAsyncClient> clients = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                MqttAsyncClient c = new MqttAsyncClient("tcp://127.0.0.1:" + port, "flood-" + i, new MemoryPersistence());
                MqttConnectionOptions o = new MqttConnectionOptions();
                o.setCleanStart(true);
                c.connect(o).waitForCompletion(10_000);
                clients.add(c);
            }
            startedNanos = System.nanoTime();
            for (MqttAsyncClient c : clients) {
                // Asynchronous QoS 0 publishes with at most `window` written-but-unconfirmed at a time:
                // as fast as the socket takes them, without the publisher's own memory growing.
                Semaphore window = new Semaphore(1000);
                MqttActionListener release = new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        window.release();
                        sent.increment();
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable e) {
                        window.release();
                    }
                };
                Thread t = new Thread(() -> {
                    try {
                        while (running.get()) {
                            window.acquire();
                            MqttMessage m = new MqttMessage(payload);
                            m.setQos(0);
                            c.publish("flood/one", m, null, release);
                        }
                        window.acquire(1000);
                        c.disconnect().waitForCompletion(5000);
                        c.close();
                    } catch (Exception e) {
                        System.err.println("publisher stopped: " + e);
                    }
                });
                threads.add(t);
                t.start();
            }
        }

        long sentDuring(double seconds) {
            return sent.sum();
        }

        double elapsedSeconds() {
            return ((stoppedNanos == 0 ? System.nanoTime() : stoppedNanos) - startedNanos) / 1e9;
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
            stoppedNanos = System.nanoTime();
        }
    }

    private long heap(URI metrics) throws Exception {
        String text = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = HEAP.matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return (long) sum;
    }

    /** The largest heap occupancy the JVM's GC log shows (the "before" of each collection, in MB), or -1. */
    static double gcLogHighWater(Path gcLog) throws Exception {
        if (gcLog == null || !Files.exists(gcLog)) {
            return -1;
        }
        Matcher m = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)").matcher(Files.readString(gcLog));
        double max = -1;
        while (m.find()) {
            max = Math.max(max, Double.parseDouble(m.group(1)));
        }
        return max;
    }

    private void awaitSubscribed(String filter) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            for (JsonNode s : call("mqtt_list_active_connections", Map.of()).path("active_connections")) {
                for (JsonNode t : s.path("subscribed_topics")) {
                    if (t.asText().equals(filter)) {
                        return;
                    }
                }
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no subscription on " + filter);
    }

    private void initialize() throws Exception {
        HttpResponse<String> r = post(Map.of("jsonrpc", "2.0", "id", ids.incrementAndGet(), "method", "initialize", "params", Map.of(
                "protocolVersion", "2025-06-18", "capabilities", Map.of(), "clientInfo", Map.of("name", "bench-mqtt", "version", "1"))));
        session = r.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(Map.of("jsonrpc", "2.0", "method", "notifications/initialized"));
    }

    private JsonNode unchecked(String tool, Map<String, Object> args) {
        try {
            return call(tool, args);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode call(String tool, Map<String, Object> args) throws Exception {
        HttpResponse<String> r = post(Map.of("jsonrpc", "2.0", "id", ids.incrementAndGet(), "method", "tools/call",
                "params", Map.of("name", tool, "arguments", args)));
        String body = r.body();
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            String last = null;
            for (String line : body.split("\n")) {
                if (line.startsWith("data:") && line.contains("\"result\"")) {
                    last = line.substring(5).trim();
                }
            }
            body = last;
        }
        JsonNode result = JSON.readTree(body).path("result");
        if (result.path("isError").asBoolean()) {
            throw new IllegalStateException(tool + " failed: " + result.path("structuredContent"));
        }
        return result.path("structuredContent");
    }

    private HttpResponse<String> post(Object message) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(mcp).timeout(Duration.ofSeconds(400))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(message)));
        if (session != null) {
            b.header("Mcp-Session-Id", session);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
