package io.switchboard.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * MCP metrics in the registry Camel exposes at /observe/metrics: requests by endpoint and
 * method, tool calls by tool and outcome with latency histograms, errors by code, rejected
 * requests by reason, and the live sessions and SSE connections of each endpoint.
 */
public final class McpMetrics {

    /**
     * Who else wants to see each request and tool call as it happens (the operations page's rates,
     * latencies and recent events). Called on the request's thread: must be quick and never block.
     */
    public interface Listener {
        void request(String endpoint, String method, long nanos);

        void toolCall(String tool, long nanos, String errorCode);

        void httpError(String endpoint, int status);
    }

    private static final Listener NOBODY = new Listener() {
        @Override
        public void request(String endpoint, String method, long nanos) {
        }

        @Override
        public void toolCall(String tool, long nanos, String errorCode) {
        }

        @Override
        public void httpError(String endpoint, int status) {
        }
    };

    private final Supplier<MeterRegistry> registrySource;
    private volatile MeterRegistry registry;
    private volatile Listener listener = NOBODY;

    /** The registry is Camel's (bound as "metricsRegistry" once metrics start), looked up on first use. */
    public McpMetrics(Supplier<MeterRegistry> registrySource) {
        this.registrySource = registrySource;
    }

    /** One listener (the dashboard); null removes it. */
    public void listen(Listener l) {
        listener = l == null ? NOBODY : l;
    }

    private MeterRegistry registry() {
        MeterRegistry r = registry;
        if (r == null) {
            r = registrySource.get();
            if (r == null) {
                r = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            }
            registry = r;
        }
        return r;
    }

    // Meter providers keep the builders: a hot-path record is a lookup by tags, not a new builder.
    private volatile Meter.MeterProvider<Counter> requests;
    private volatile Meter.MeterProvider<Timer> requestDurations;
    private volatile Meter.MeterProvider<Timer> toolDurations;

    public void rpc(String endpoint, String method) {
        Meter.MeterProvider<Counter> p = requests;
        if (p == null) {
            p = requests = Counter.builder("mcp.requests").description("MCP messages received, by JSON-RPC method")
                    .withRegistry(registry());
        }
        p.withTags("endpoint", endpoint, "method", method).increment();
    }

    public void requestDuration(String endpoint, String method, long nanos) {
        Meter.MeterProvider<Timer> p = requestDurations;
        if (p == null) {
            p = requestDurations = Timer.builder("mcp.request.duration")
                    .description("Time from receiving an MCP request to its response")
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                    .withRegistry(registry());
        }
        p.withTags("endpoint", endpoint, "method", method).record(nanos, TimeUnit.NANOSECONDS);
        listener.request(endpoint, method, nanos);
    }

    /** One tool call; {@code errorCode} is null when it succeeded. */
    public void toolCall(String tool, long nanos, String errorCode) {
        Meter.MeterProvider<Timer> p = toolDurations;
        if (p == null) {
            p = toolDurations = Timer.builder("mcp.tool.duration").description("Tool call latency, by tool and outcome")
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                    .withRegistry(registry());
        }
        p.withTags("tool", tool, "outcome", errorCode == null ? "success" : "error").record(nanos, TimeUnit.NANOSECONDS);
        if (errorCode != null) {
            Counter.builder("mcp.tool.errors").description("Failed tool calls, by tool and error code")
                    .tag("tool", tool).tag("code", errorCode).register(registry()).increment();
        }
        listener.toolCall(tool, nanos, errorCode);
    }

    public void httpError(String endpoint, int status) {
        Counter.builder("mcp.http.errors").description("MCP HTTP requests answered with an error status")
                .tag("endpoint", endpoint).tag("status", Integer.toString(status)).register(registry()).increment();
        listener.httpError(endpoint, status);
    }

    public void rejected(String reason) {
        Counter.builder("mcp.rejected").description("Requests refused by the guard, by reason")
                .tag("reason", reason).register(registry()).increment();
    }

    public void sessionsGauge(String endpoint, Supplier<Number> count) {
        Gauge.builder("mcp.sessions", count).description("Live MCP sessions").tag("endpoint", endpoint).register(registry());
    }

    public void streamsGauge(String endpoint, Supplier<Number> count) {
        Gauge.builder("mcp.sse.connections", count).description("Open SSE connections").tag("endpoint", endpoint).register(registry());
    }
}
