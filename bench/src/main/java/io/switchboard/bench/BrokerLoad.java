package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The broker under load: N connected sessions, each listening on its SSE stream; senders push
 * point-to-point messages to random recipients as fast as they are acknowledged. Measures
 * accepted messages per second and send-to-notification latency (the payload carries the
 * sender's clock; sender and recipient are in this one process).
 */
public final class BrokerLoad {

    private static final long HEARTBEAT_PERIOD_MS = 10_000;

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        // Several URLs (comma-separated): instances sharing one database; sessions are spread over
        // them in turn, so a sender and its random recipient are on different instances about half the time.
        List<URI> urls = java.util.Arrays.stream(a.get("url", "http://127.0.0.1:8080/mcp").split(",")).map(URI::create).toList();
        URI url = urls.get(0);
        int sessions = a.getInt("sessions", 1000);
        int senders = a.getInt("senders", 64);
        long warmupNanos = TimeUnit.SECONDS.toNanos(a.getInt("warmup", 5));
        long runNanos = TimeUnit.SECONDS.toNanos(a.getInt("duration", 20));
        // The JDK's client: one connection per listening stream, pooled keep-alive connections for requests.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Recorder latency = new Recorder(3);
        AtomicLong delivered = new AtomicLong();
        long[] window = new long[2];

        List<McpConnection> conns = new ArrayList<>();
        List<String> brokerIds = new ArrayList<>();
        McpConnection admin = new McpConnection(http, url);
        await(admin.initialize());
        await(admin.callTool("broker_connect", "{}"));
        await(admin.callTool("broker_register_protocol",
                "{\"name\":\"bench\",\"version\":\"1.0.0\",\"schema\":{\"type\":\"object\"},\"capabilities\":[\"point_to_point\"]}"));
        // Agents keep their broker sessions alive: without heartbeats the recipients would turn
        // stale at 30 s and disconnected at 60 s (the connect phase alone can take that long on a
        // loaded machine), and messages would queue instead of being notified.
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeats");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < sessions; i++) {
            McpConnection c = new McpConnection(http, urls.get(i % urls.size()));
            await(c.initialize());
            JsonNode r = await(c.callTool("broker_connect", "{}"));
            brokerIds.add(r.path("result").path("structuredContent").path("session_id").asText());
            c.listen(http, msg -> {
                JsonNode m = msg.path("params").path("data").path("message");
                if (m.isMissingNode()) {
                    return;
                }
                long now = System.nanoTime();
                long sentAt = m.path("payload").path("t").asLong();
                if (sentAt >= window[0] && now <= window[1]) {
                    latency.recordValue(Math.max(1, (now - sentAt) / 1000));
                    delivered.incrementAndGet();
                }
            }).get(60, TimeUnit.SECONDS);
            conns.add(c);
            heartbeats.scheduleAtFixedRate(() -> c.callTool("broker_heartbeat", "{}"), HEARTBEAT_PERIOD_MS, HEARTBEAT_PERIOD_MS,
                    TimeUnit.MILLISECONDS);
            if ((i + 1) % 100 == 0) {
                System.err.println("broker bench: " + (i + 1) + " sessions listening");
            }
        }
        System.err.println("broker bench: " + sessions + " sessions connected and listening");
        AtomicLong accepted = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        window[0] = start + warmupNanos;
        window[1] = window[0] + runNanos;
        CountDownLatch done = new CountDownLatch(senders);
        for (int s = 0; s < senders; s++) {
            send(conns.get(s % conns.size()), brokerIds, accepted, errors, window, done);
        }
        List<CpuShare> cpus = java.util.Arrays.stream(a.get("server-pid", "-1").split(","))
                .map(pid -> new CpuShare(Long.parseLong(pid.trim()), a.getInt("clk-tck", 100))).toList();
        LoadGenerator.sleepUntil(window[0]);
        cpus.forEach(CpuShare::start);
        LoadGenerator.sleepUntil(window[1]);
        cpus.forEach(CpuShare::stop);
        done.await(runNanos / 1_000_000_000L + 120, TimeUnit.SECONDS);
        // Notifications still in flight for sends inside the window are awaited briefly.
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (delivered.get() < accepted.get() && System.nanoTime() < settle) {
            Thread.onSpinWait();
        }
        Histogram h = latency.getIntervalHistogram();
        double seconds = runNanos / 1e9;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("label", a.get("label", url.toString()));
        result.put("sessions", sessions);
        result.put("senders", senders);
        result.put("duration_s", runNanos / 1_000_000_000L);
        result.put("accepted", accepted.get());
        result.put("messages_per_s", Math.round(accepted.get() / seconds));
        result.put("notified", delivered.get());
        result.put("p50_ms", h.getValueAtPercentile(50) / 1000.0);
        result.put("p95_ms", h.getValueAtPercentile(95) / 1000.0);
        result.put("p99_ms", h.getValueAtPercentile(99) / 1000.0);
        result.put("max_ms", h.getMaxValue() / 1000.0);
        result.put("errors", errors.get());
        // Every server's share added up (two instances: both processes).
        result.put("instances", urls.size());
        result.put("server_cpu_cores", cpus.stream().anyMatch(c -> c.serverCores() == null) ? null
                : Math.round(cpus.stream().mapToDouble(CpuShare::serverCores).sum() * 100) / 100.0);
        result.put("client_cpu_cores", cpus.get(0).clientCores());
        String json = McpConnection.JSON.writeValueAsString(result);
        System.out.println(json);
        String out = a.get("out", null);
        if (out != null) {
            Files.writeString(Path.of(out), json);
        }
    }

    private static void send(McpConnection c, List<String> recipients, AtomicLong accepted, AtomicLong errors, long[] window,
                             CountDownLatch done) {
        long t = System.nanoTime();
        if (t >= window[1]) {
            done.countDown();
            return;
        }
        String to = recipients.get(ThreadLocalRandom.current().nextInt(recipients.size()));
        String args = "{\"recipient_id\":\"" + to + "\",\"protocol_name\":\"bench\",\"protocol_version\":\"1.0.0\","
                + "\"payload\":{\"t\":" + t + "}}";
        c.callTool("broker_send_message", args).onComplete(ar -> {
            boolean ok = ar.succeeded() && ar.result().path("result").path("structuredContent").path("success").asBoolean();
            if (t >= window[0]) {
                if (ok) {
                    accepted.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                    if (errors.get() < 5) {
                        System.err.println("send failed: " + (ar.succeeded() ? ar.result() : ar.cause()));
                    }
                }
            }
            send(c, recipients, accepted, errors, window, done);
        });
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
