package io.switchboard.observe.dashboard;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.observe.McpMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the MCP side did, as the operations page draws it: requests and errors per second, and
 * p50/p99 of the last minute, each as a minute of one-second points. It listens to
 * {@link McpMetrics} (a counter increment and a timer record per request: next to nothing on the
 * hot path); the last-minute percentiles come from Micrometer's own time-window histogram (a
 * private registry, so /observe/metrics is unchanged), not from hand-made buckets.
 */
public final class McpActivity implements McpMetrics.Listener {

    static final int POINTS = 60;

    private final RecentEvents events;
    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Timer lastMinute;
    private final ArrayDeque<double[]> series = new ArrayDeque<>(POINTS);
    private long lastRequests;
    private long lastErrors;
    private long lastSampleNanos = System.nanoTime();

    public McpActivity(RecentEvents events) {
        this.events = events;
        this.lastMinute = Timer.builder("dashboard.mcp.request")
                .publishPercentiles(0.5, 0.99)
                .percentilePrecision(2)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                .distributionStatisticBufferLength(6)
                .register(new SimpleMeterRegistry());
    }

    @Override
    public void request(String endpoint, String method, long nanos) {
        requests.increment();
        lastMinute.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void toolCall(String tool, long nanos, String errorCode) {
        if (errorCode != null) {
            errors.increment();
        }
        events.add("mcp", "tool", tool, errorCode == null ? "ok" : errorCode, nanos / 1e6, null);
    }

    @Override
    public void httpError(String endpoint, int status) {
        errors.increment();
    }

    /** Takes this second's point (the dashboard's timer calls it once a second, viewers or not). */
    public synchronized void sample() {
        long now = System.nanoTime();
        double seconds = Math.max(0.001, (now - lastSampleNanos) / 1e9);
        lastSampleNanos = now;
        long r = requests.sum();
        long e = errors.sum();
        long dr = r - lastRequests;
        long de = e - lastErrors;
        lastRequests = r;
        lastErrors = e;
        double p50 = 0;
        double p99 = 0;
        HistogramSnapshot h = lastMinute.takeSnapshot();
        for (ValueAtPercentile v : h.percentileValues()) {
            if (v.percentile() == 0.5) {
                p50 = v.value(TimeUnit.MILLISECONDS);
            } else if (v.percentile() == 0.99) {
                p99 = v.value(TimeUnit.MILLISECONDS);
            }
        }
        if (series.size() == POINTS) {
            series.removeFirst();
        }
        series.addLast(new double[]{dr / seconds, dr == 0 ? 0 : Math.min(1.0, (double) de / dr), p50, p99, dr, de});
    }

    /** The last minute: now-values and the one-second series, oldest first. */
    public synchronized Map<String, Object> view() {
        List<Double> rps = new ArrayList<>(series.size());
        List<Double> errorRate = new ArrayList<>(series.size());
        List<Double> p50 = new ArrayList<>(series.size());
        List<Double> p99 = new ArrayList<>(series.size());
        for (double[] p : series) {
            rps.add(round(p[0]));
            errorRate.add(round(p[1]));
            p50.add(round(p[2]));
            p99.add(round(p[3]));
        }
        double[] last = series.isEmpty() ? new double[6] : series.getLast();
        double minuteRequests = 0;
        double minuteErrors = 0;
        for (double[] p : series) {
            minuteRequests += p[4];
            minuteErrors += p[5];
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests_per_second", round(last[0]));
        // One failed call in a quiet second is not a 100 % error rate: the figure is the last minute's.
        m.put("error_rate", minuteRequests == 0 ? 0.0 : round(Math.min(1.0, minuteErrors / minuteRequests)));
        m.put("p50_ms", round(last[2]));
        m.put("p99_ms", round(last[3]));
        m.put("requests_total", requests.sum());
        m.put("errors_total", errors.sum());
        m.put("series", Map.of("requests_per_second", rps, "error_rate", errorRate, "p50_ms", p50, "p99_ms", p99));
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
