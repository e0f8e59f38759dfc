package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.FileReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The Bindery benchmark's client (bench/bindery): closed loops (one call in flight per session)
 * against the embedded backend, each scenario a warm-up then a measured window, side by side:
 * <ul>
 *   <li>mcp-echo: the gateway benchmark's trivial echo tool (bench/routes), as a yardstick of what
 *       the machine gives any tool call during the run;</li>
 *   <li>rest-create / rest-get: POST and GET /bindery/api/tasks straight at the embedded backend
 *       (no MCP, no client routes): the floor the tools add to;</li>
 *   <li>mcp-create: bindery_create_task through /mcp (tool route, breaker, HTTP client, backend,
 *       then the cache emptied);</li>
 *   <li>mcp-get-uncached: bindery_get_task, every call a task id not read before (a cache miss:
 *       the full path to the backend and back);</li>
 *   <li>mcp-get-cached: bindery_get_task on a few ids read over and over (cache hits).</li>
 * </ul>
 * The uncached run reads ids the create runs made, each once; if they run out it ends early and
 * its rate is over the time it ran. Writes the bindery section of docs/BENCHMARKS.md.
 */
public final class BinderyLoad {

    private final URI base;
    private final int sessions;
    private final Duration warmup;
    private final Duration duration;
    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http;
    private final List<String> created = Collections.synchronizedList(new ArrayList<>());

    private BinderyLoad(URI base, int sessions, Duration warmup, Duration duration) {
        this.base = base;
        this.sessions = sessions;
        this.warmup = warmup;
        this.duration = duration;
        this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(10_000)
                .setIdleTimeout(30), new PoolOptions().setHttp1MaxSize(sessions * 2));
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        BinderyLoad load = new BinderyLoad(URI.create(a.get("base", "http://127.0.0.1:8080")), a.getInt("sessions", 16),
                a.getDuration("warmup", Duration.ofSeconds(5)), a.getDuration("duration", Duration.ofSeconds(15)));
        Map<String, Object> results = new LinkedHashMap<>();
        try {
            List<McpConnection> mcp = load.openSessions();
            results.put("rest-create", load.run("rest-create", i -> load.restCreate(i)));
            results.put("mcp-create", load.run("mcp-create", i -> load.mcpCreate(mcp.get(i % mcp.size()), i)));
            // Each id once: ids in creation order, no session reads one another has read.
            List<String> fresh = new ArrayList<>(load.created);
            AtomicInteger next = new AtomicInteger();
            results.put("mcp-get-uncached", load.run("mcp-get-uncached", i -> {
                int n = next.getAndIncrement();
                return n >= fresh.size() ? null : load.mcpGet(mcp.get(i % mcp.size()), fresh.get(n));
            }));
            results.put("rest-get", load.run("rest-get", i -> load.restGet(fresh.get((int) (Math.random() * fresh.size())))));
            List<String> hot = fresh.subList(0, Math.min(16, fresh.size()));
            results.put("mcp-get-cached", load.run("mcp-get-cached", i -> load.mcpGet(mcp.get(i % mcp.size()), hot.get(i % hot.size()))));
            // Last, once the JIT has compiled the tool path: the gateway's trivial tool on the same server,
            // what this machine gave any tool call during the run.
            results.put("mcp-echo", load.run("mcp-echo", i -> load.echo(mcp.get(i % mcp.size()))));
        } finally {
            load.vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        String json = McpConnection.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results);
        System.out.println(json);
        if (a.get("out", null) != null) {
            Files.writeString(Path.of(a.get("out", null)), json);
        }
        if (a.get("markdown", null) != null) {
            Properties machine = new Properties();
            if (a.get("machine", null) != null && Files.exists(Path.of(a.get("machine", null)))) {
                try (FileReader r = new FileReader(a.get("machine", null))) {
                    machine.load(r);
                }
            }
            Path out = Path.of(a.get("markdown", null));
            String body = markdown(results, machine, load.sessions, load.warmup, load.duration);
            Files.writeString(out, Report.replaceSection(Files.exists(out) ? Files.readString(out) : null, "bindery", body));
            System.out.println(body);
        }
        System.exit(0);
    }

    private List<McpConnection> openSessions() throws Exception {
        List<McpConnection> connections = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            McpConnection c = new McpConnection(http, base.resolve("/mcp"));
            c.initialize().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            connections.add(c);
        }
        return connections;
    }

    // ------------------------------------------------------------------ the calls (null: nothing left to do)

    private Future<Void> restCreate(int i) {
        return rest(HttpMethod.POST, "/bindery/api/tasks", "{\"title\":\"bench task " + i + "\",\"description\":\"made by bench/bindery\","
                + "\"tags\":[\"bench\"],\"priority\":\"normal\"}").map(body -> {
                    created.add(json(body).path("id").asText());
                    return null;
                });
    }

    private Future<Void> restGet(String id) {
        return rest(HttpMethod.GET, "/bindery/api/tasks/" + id, null).map(body -> null);
    }

    private Future<Void> mcpCreate(McpConnection c, int i) {
        return c.callTool("bindery_create_task", "{\"task_input\":{\"title\":\"bench tool task " + i
                + "\",\"description\":\"made by bench/bindery\",\"tags\":[\"bench\"]}}").map(msg -> {
                    created.add(toolResult(msg).path("task").path("id").asText());
                    return null;
                });
    }

    private Future<Void> echo(McpConnection c) {
        return c.callTool("echo", "{\"text\":\"hello\"}").map(msg -> {
            toolResult(msg);
            return null;
        });
    }

    private Future<Void> mcpGet(McpConnection c, String id) {
        return c.callTool("bindery_get_task", "{\"task_id\":\"" + id + "\"}").map(msg -> {
            if (!id.equals(toolResult(msg).path("task").path("id").asText())) {
                throw new IllegalStateException("not the task asked for: " + msg);
            }
            return null;
        });
    }

    private static JsonNode json(String body) {
        try {
            return McpConnection.JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("not JSON: " + body, e);
        }
    }

    private static JsonNode toolResult(JsonNode msg) {
        JsonNode result = msg.path("result");
        if (msg.has("error") || result.path("isError").asBoolean(false)) {
            throw new IllegalStateException("tool failed: " + msg);
        }
        return result.path("structuredContent");
    }

    private Future<String> rest(HttpMethod method, String path, String body) {
        RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(base.resolve(path).toString())
                .putHeader("Content-Type", "application/json").setIdleTimeout(10_000);
        return http.request(options).compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
                .compose(resp -> resp.body().map(b -> {
                    if (resp.statusCode() >= 300) {
                        throw new IllegalStateException("HTTP " + resp.statusCode() + ": " + b);
                    }
                    return b.toString();
                }));
    }

    // ------------------------------------------------------------------ one scenario

    private Map<String, Object> run(String label, Function<Integer, Future<Void>> call) throws Exception {
        Recorder latency = new Recorder(3);
        LongAdder errors = new LongAdder();
        Map<String, String> firstError = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger counter = new AtomicInteger();
        long start = System.nanoTime();
        long from = start + warmup.toNanos();
        long until = from + duration.toNanos();
        long[] lastEnd = {from};
        CountDownLatch finished = new CountDownLatch(sessions);
        for (int s = 0; s < sessions; s++) {
            loop(call, counter, latency, errors, firstError, from, until, lastEnd, finished);
        }
        finished.await(warmup.toSeconds() + duration.toSeconds() + 60, TimeUnit.SECONDS);
        Histogram h = latency.getIntervalHistogram();
        // An uncached run that used up its ids ended early: its rate is over the time it ran.
        double seconds = Math.max(0.001, (Math.min(until, lastEnd[0]) - from) / 1e9);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("requests", h.getTotalCount());
        r.put("seconds", Math.round(seconds * 10) / 10.0);
        r.put("rps", Math.round(h.getTotalCount() / seconds));
        r.put("p50_ms", h.getValueAtPercentile(50) / 1000.0);
        r.put("p99_ms", h.getValueAtPercentile(99) / 1000.0);
        r.put("max_ms", h.getMaxValue() / 1000.0);
        r.put("errors", errors.sum());
        r.put("first_error", firstError.getOrDefault("first", ""));
        System.err.printf("%s: %,d calls in %.1f s = %,d/s; p50 %.2f ms, p99 %.2f ms; %d errors%n", label, h.getTotalCount(),
                seconds, Math.round(h.getTotalCount() / seconds), h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, errors.sum());
        return r;
    }

    private void loop(Function<Integer, Future<Void>> call, AtomicInteger counter, Recorder latency, LongAdder errors,
                      Map<String, String> firstError, long from, long until, long[] lastEnd, CountDownLatch finished) {
        long sent = System.nanoTime();
        Future<Void> f = sent >= until ? null : call.apply(counter.getAndIncrement());
        if (f == null) {
            finished.countDown();
            return;
        }
        f.onComplete(done -> {
            long received = System.nanoTime();
            if (sent >= from && received <= until) {
                if (done.succeeded()) {
                    latency.recordValue(Math.max(1, (received - sent) / 1_000));
                } else {
                    errors.increment();
                    firstError.putIfAbsent("first", String.valueOf(done.cause()));
                }
                synchronized (lastEnd) {
                    lastEnd[0] = Math.max(lastEnd[0], received);
                }
            }
            loop(call, counter, latency, errors, firstError, from, until, lastEnd, finished);
        });
    }

    // ------------------------------------------------------------------ the report

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> results, Properties m, int sessions, Duration warmup, Duration duration) {
        StringBuilder md = new StringBuilder("## Bindery: the task tools over the embedded backend (`bench/bindery`)\n\n");
        md.append("**Measured** ").append(m.getProperty("date", "?")).append(" (UTC) on ").append(m.getProperty("nproc", "?"))
                .append(" CPUs (").append(m.getProperty("cpu", "?")).append("), ").append(m.getProperty("java", "?"))
                .append("; load average when the script started: ").append(m.getProperty("loadavg", "?"))
                .append(". Switchboard: ").append(m.getProperty("switchboard", "?")).append(", SQLite store.\n\n");
        md.append(String.format("%d sessions, one call in flight each, %d s warm-up then %d s measured per row, one after the other "
                + "against one Switchboard on 127.0.0.1. `rest-*` call the embedded backend's HTTP API directly; `mcp-*` call the "
                + "tools through `/mcp` (client routes, breaker, HTTP client, the same backend); `mcp-echo` is the gateway benchmark's "
                + "trivial tool on the same server, a yardstick for what the machine gave any tool call during the run. `uncached` reads every task once "
                + "(each call a cache miss); `cached` reads 16 tasks over and over.%n%n", sessions, warmup.toSeconds(), duration.toSeconds()));
        md.append("| scenario | calls | req/s | p50 ms | p99 ms | max ms | errors |\n|---|---:|---:|---:|---:|---:|---:|\n");
        results.forEach((name, value) -> {
            Map<String, Object> r = (Map<String, Object>) value;
            md.append(String.format("| %s | %s | %s | %s | %s | %s | %s |%n", name, r.get("requests"), r.get("rps"), r.get("p50_ms"),
                    r.get("p99_ms"), r.get("max_ms"), r.get("errors")));
        });
        Map<String, Object> cached = (Map<String, Object>) results.get("mcp-get-cached");
        Map<String, Object> uncached = (Map<String, Object>) results.get("mcp-get-uncached");
        Map<String, Object> restGet = (Map<String, Object>) results.get("rest-get");
        double cachedP99 = ((Number) cached.get("p99_ms")).doubleValue();
        double ratio = ((Number) cached.get("rps")).doubleValue() / Math.max(1, ((Number) uncached.get("rps")).doubleValue());
        md.append(String.format("%nGoals (issue #12): cached p99 < 5 ms: %.2f ms, %s. Cached ≥ 10× uncached throughput: %.1f×, %s. "
                        + "The seed's figures (100–200 req/s, 10–50 ms cached) for comparison. The tool path's overhead over the "
                        + "backend alone (uncached get vs rest-get, p50): %.2f ms vs %.2f ms.%n",
                cachedP99, cachedP99 < 5 ? "met" : "**not met**", ratio, ratio >= 10 ? "met" : "**not met**",
                ((Number) uncached.get("p50_ms")).doubleValue(), ((Number) restGet.get("p50_ms")).doubleValue()));
        return md.toString();
    }
}
