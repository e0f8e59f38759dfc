package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The gateway benchmark's client: N MCP sessions, each calling the {@code echo} tool back to back
 * (one request in flight per session, keep-alive), for a warm-up and then a measured window.
 * Latency of every call that starts and ends inside the window goes into an HdrHistogram; every
 * reply is checked to be the echo result, and anything else is counted as an error by kind.
 *
 * <p>Prints a summary and one JSON line (the same JSON goes to {@code --out} for {@link Report}).
 * Exit status 0 even when calls failed (the figures, errors included, are the result); 1 only when
 * the run could not happen at all (the sessions could not be opened), with {@code failed} saying why.
 */
public final class LoadGenerator {

    private static final String ECHO_ARGUMENTS = "{\"text\":\"hello\"}";

    private final URI url;
    private final boolean stateless;
    private final int sessions;
    private final Duration warmup;
    private final Duration duration;
    private final Recorder latencyMicros = new Recorder(3);
    private final LongAdder measuredErrors = new LongAdder();
    private final LongAdder warmupCalls = new LongAdder();
    private final LongAdder warmupErrors = new LongAdder();
    private final Map<String, LongAdder> errorsByKind = new ConcurrentHashMap<>();
    private final Map<String, String> firstErrorByKind = new ConcurrentHashMap<>();
    private final CpuShare cpu;
    private long measureFrom;
    private long measureUntil;

    private LoadGenerator(URI url, boolean stateless, int sessions, Duration warmup, Duration duration, long serverPid,
                          int clockTicksPerSecond) {
        this.url = url;
        this.stateless = stateless;
        this.sessions = sessions;
        this.warmup = warmup;
        this.duration = duration;
        this.cpu = new CpuShare(serverPid, clockTicksPerSecond);
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        URI url = URI.create(a.get("url", "http://127.0.0.1:8080/mcp"));
        String label = a.get("label", url.toString());
        // --era 2026: the stateless revision (no initialize, _meta on every call); default the 2025 session era.
        boolean stateless = "2026".equals(a.get("era", "2025"));
        LoadGenerator generator = new LoadGenerator(url, stateless, a.getInt("sessions", 50),
                a.getDuration("warmup", Duration.ofSeconds(5)), a.getDuration("duration", Duration.ofSeconds(20)),
                Long.parseLong(a.get("server-pid", "-1")), a.getInt("clk-tck", 100));
        Map<String, Object> result;
        int status = 0;
        try {
            result = generator.run(label);
        } catch (Exception e) {
            // A server that cannot even open the sessions still gets its line in the report, with the reason.
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            System.err.println(label + ": the run failed: " + cause);
            result = new LinkedHashMap<>();
            result.put("label", label);
            result.put("url", url.toString());
            result.put("failed", String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause));
            status = 1;
        }
        String json = McpConnection.JSON.writeValueAsString(result);
        System.out.println(json);
        String out = a.get("out", null);
        if (out != null) {
            Files.writeString(Path.of(out), json);
        }
        System.exit(status);
    }

    private Map<String, Object> run(String label) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            // One pooled connection per session at most: every session has one call in flight, so
            // the pool never makes a session wait for another one's connection.
            HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
                    .setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(sessions));
            List<McpConnection> connections = openSessions(http);

            long start = System.nanoTime();
            measureFrom = start + warmup.toNanos();
            measureUntil = measureFrom + duration.toNanos();
            CountDownLatch finished = new CountDownLatch(sessions);
            for (McpConnection c : connections) {
                callLoop(c, finished);
            }
            measureCpu();
            // Every loop stops at the window's end; a call still hanging is cut by the client's idle timeout.
            if (!finished.await(warmup.toSeconds() + duration.toSeconds() + 60, TimeUnit.SECONDS)) {
                System.err.println(label + ": some sessions never finished their last call");
            }
            Histogram h = latencyMicros.getIntervalHistogram();
            return result(label, h);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** CPU shares over the measured window; runs on the main thread, which only waits meanwhile. */
    private void measureCpu() throws InterruptedException {
        sleepUntil(measureFrom);
        cpu.start();
        sleepUntil(measureUntil);
        cpu.stop();
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** Sessions open one after the other: a burst of initializes is not what is being measured. */
    private List<McpConnection> openSessions(HttpClient http) throws Exception {
        List<McpConnection> connections = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            McpConnection c = new McpConnection(http, url);
            if (stateless) {
                connections.add(c.stateless());
                continue;
            }
            c.initialize().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            connections.add(c);
        }
        return connections;
    }

    /** One session's closed loop: the next call goes out when the previous answer is in. */
    private void callLoop(McpConnection c, CountDownLatch finished) {
        long sent = System.nanoTime();
        if (sent >= measureUntil) {
            finished.countDown();
            return;
        }
        c.callTool("echo", ECHO_ARGUMENTS).onComplete(reply -> {
            long received = System.nanoTime();
            String error = checkEcho(reply);
            boolean measured = sent >= measureFrom && received <= measureUntil;
            if (error == null) {
                if (measured) {
                    latencyMicros.recordValue(Math.max(1, (received - sent) / 1_000));
                } else if (sent < measureFrom) {
                    warmupCalls.increment();
                }
            } else {
                if (measured) {
                    measuredErrors.increment();
                } else {
                    warmupErrors.increment();
                }
                String kind = reply.failed() && reply.cause() instanceof McpConnection.McpCallException e ? e.kind
                        : reply.failed() ? reply.cause().getClass().getSimpleName() : error;
                errorsByKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
                firstErrorByKind.putIfAbsent(kind, reply.failed() ? String.valueOf(reply.cause().getMessage()) : error);
            }
            callLoop(c, finished);
        });
    }

    /** Null when the reply is the echo tool's successful result; otherwise what was wrong. */
    private static String checkEcho(AsyncResult<JsonNode> reply) {
        if (reply.failed()) {
            return String.valueOf(reply.cause());
        }
        JsonNode msg = reply.result();
        if (msg.has("error")) {
            return "JSON-RPC error " + msg.path("error").path("code").asText();
        }
        JsonNode result = msg.path("result");
        if (result.path("isError").asBoolean(false)) {
            return "tool result isError";
        }
        if (!"hello".equals(result.path("structuredContent").path("text").asText(null))
                && !result.path("content").path(0).path("text").asText("").contains("hello")) {
            return "not the echo result";
        }
        return null;
    }

    private Map<String, Object> result(String label, Histogram h) {
        double seconds = duration.toNanos() / 1e9;
        long errors = measuredErrors.sum();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("label", label);
        r.put("url", url.toString());
        r.put("sessions", sessions);
        r.put("protocol", stateless ? McpConnection.STATELESS_VERSION : McpConnection.PROTOCOL_VERSION);
        r.put("warmup_s", warmup.toMillis() / 1000.0);
        r.put("duration_s", seconds);
        r.put("requests", h.getTotalCount());
        r.put("rps", Math.round(h.getTotalCount() / seconds));
        r.put("p50_ms", h.getValueAtPercentile(50) / 1000.0);
        r.put("p95_ms", h.getValueAtPercentile(95) / 1000.0);
        r.put("p99_ms", h.getValueAtPercentile(99) / 1000.0);
        r.put("max_ms", h.getMaxValue() / 1000.0);
        r.put("mean_ms", Math.round(h.getMean()) / 1000.0);
        r.put("errors", errors);
        r.put("server_cpu_cores", cpu.serverCores());
        r.put("client_cpu_cores", cpu.clientCores());
        r.put("warmup_calls", warmupCalls.sum());
        r.put("warmup_errors", warmupErrors.sum());
        Map<String, Object> kinds = new LinkedHashMap<>();
        errorsByKind.forEach((kind, n) -> kinds.put(kind, Map.of("count", n.sum(), "first", firstErrorByKind.get(kind))));
        r.put("error_kinds", kinds);
        System.err.printf("%s: %,d requests in %.0f s = %,d req/s; p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.1f ms; "
                        + "%d errors (+%d in warm-up); CPU: server %s, load generator %s cores%n", label, h.getTotalCount(), seconds, Math.round(h.getTotalCount() / seconds),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(95) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getMaxValue() / 1000.0, errors, warmupErrors.sum(), cpu.serverCores(), cpu.clientCores());
        kinds.forEach((kind, detail) -> System.err.println("  error " + kind + ": " + detail));
        return r;
    }
}
