package io.switchboard.observe.dashboard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.guard.Sanitizer;
import io.switchboard.observe.Meters;
import io.switchboard.observe.Systems;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.apache.camel.component.seda.SedaEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes what the operations page shows, from what already exists: the systems' own states
 * ({@link Systems}), the meter registry (MCP sessions and listeners, drops), Camel's SEDA endpoints
 * and circuit breakers, the panels systems contribute, and {@link RecentEvents}. Nothing here
 * knows a particular system: drops are the counters named {@code *.dropped}, {@code *.dead_lettered}
 * and {@code *.rejected}.
 */
final class Snapshots {

    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
    private static final long FRESH_MILLIS = 1500;

    private record Seen(String state, long since, String lastError, Long lastErrorAt) {
    }

    private final CamelContext camel;
    private final RecentEvents events;
    private final McpActivity activity;
    private final Collection<DashboardPanel> panels;
    private final boolean showContent;
    private final Map<String, Object> header;
    private final Supplier<MeterRegistry> registry;
    private final Map<String, Seen> systems = new HashMap<>();
    private final Map<String, Double> dropCounts = new HashMap<>();
    private Map<String, Object> latest;
    private long latestAt;
    private long sentSeq;
    private Map<String, ResilienceProcessor> breakers;
    private List<Route> breakersOf;

    Snapshots(CamelContext camel, RecentEvents events, McpActivity activity, Collection<DashboardPanel> panels,
              boolean showContent, Map<String, Object> header) {
        this.camel = camel;
        this.events = events;
        this.activity = activity;
        this.panels = panels;
        this.showContent = showContent;
        this.header = header;
        this.registry = Meters.registry(camel);
    }

    /** Every second, page open or not: state changes and drops become events. */
    synchronized void watch() {
        Systems registered = camel.getRegistry().lookupByNameAndType("systems", Systems.class);
        long now = System.currentTimeMillis();
        if (registered != null) {
            for (Systems.Status s : registered.all()) {
                String state = s.state().name().toLowerCase(Locale.ROOT);
                Seen before = systems.get(s.name());
                boolean failing = s.configured() && s.state() != Systems.State.CONNECTED && s.state() != Systems.State.STANDBY && s.detail() != null && !s.detail().isBlank();
                String error = failing ? Sanitizer.clean(s.detail()) : before == null ? null : before.lastError();
                Long errorAt = failing ? Long.valueOf(now) : before == null ? null : before.lastErrorAt();
                if (before == null) {
                    systems.put(s.name(), new Seen(state, now, error, errorAt));
                } else if (!before.state().equals(state)) {
                    systems.put(s.name(), new Seen(state, now, error, errorAt));
                    events.add(s.name(), s.state() == Systems.State.RECONNECTING ? "reconnect" : "state",
                            s.name() + ": " + before.state() + " → " + state, state, null, null);
                } else if (failing && !error.equals(before.lastError())) {
                    systems.put(s.name(), new Seen(state, before.since(), error, errorAt));
                }
            }
        }
        MeterRegistry r = registry.get();
        if (r != null) {
            for (Meter m : r.getMeters()) {
                if (m instanceof Counter c && isDrop(m.getId().getName())) {
                    String key = key(m);
                    double count = c.count();
                    Double before = dropCounts.put(key, count);
                    if (count > (before == null ? 0 : before)) {
                        long n = Math.round(count - (before == null ? 0 : before));
                        events.add(systemOf(m.getId().getName()), "drop", n + " × " + key, "dropped", null, null);
                    }
                }
            }
        }
        for (DashboardPanel p : panels) {
            try {
                p.watch(camel, events);
            } catch (RuntimeException e) {
                LOG.debug("Panel {} watch failed: {}", p.id(), e.toString());
            }
        }
    }

    /** No page open: the next one computes afresh. */
    synchronized void idle() {
        latest = null;
        sentSeq = events.lastSeq();
    }

    /** This tick's snapshot for every open feed: the events new since the last one. */
    synchronized Map<String, Object> next() {
        Map<String, Object> s = compute();
        List<RecentEvents.Event> fresh = events.since(sentSeq);
        if (!fresh.isEmpty()) {
            sentSeq = fresh.get(fresh.size() - 1).seq();
        }
        Map<String, Object> out = new LinkedHashMap<>(s);
        out.put("events", fresh);
        out.put("events_complete", false);
        return out;
    }

    /** For a page that just opened: the latest snapshot (computed if stale) and the whole ring. */
    synchronized Map<String, Object> latestWithAllEvents() {
        Map<String, Object> s = latest != null && System.currentTimeMillis() - latestAt < FRESH_MILLIS ? latest : compute();
        List<RecentEvents.Event> all = events.since(0);
        Map<String, Object> out = new LinkedHashMap<>(s);
        out.put("events", all);
        // Some of these come again with the next tick (the page skips sequence numbers it has).
        out.put("events_complete", true);
        return out;
    }

    private Map<String, Object> compute() {
        Map<String, Object> s = new LinkedHashMap<>(header);
        s.put("at", Instant.now().toString());
        s.put("show_content", showContent);
        s.put("systems", systems());
        s.put("mcp", mcp());
        List<Map<String, Object>> panelViews = new ArrayList<>();
        Map<String, DashboardPanel.Queue> panelQueues = new TreeMap<>();
        panels.stream().sorted(Comparator.comparingInt(DashboardPanel::order).thenComparing(DashboardPanel::id)).forEach(p -> {
            try {
                DashboardPanel.Panel view = p.snapshot(camel, showContent);
                if (view != null) {
                    Map<String, Object> v = new LinkedHashMap<>();
                    v.put("id", view.id());
                    v.put("title", view.title());
                    v.put("state", view.state());
                    v.put("figures", view.figures());
                    v.put("queues", view.queues());
                    v.put("tables", view.tables());
                    panelViews.add(v);
                    view.queues().forEach(q -> panelQueues.put(q.name(), q));
                }
            } catch (RuntimeException e) {
                LOG.debug("Panel {} failed: {}", p.id(), e.toString());
                panelViews.add(Map.of("id", p.id(), "title", p.id(), "state", "failed",
                        "figures", List.of(new DashboardPanel.Figure("error", Sanitizer.clean(e.getMessage()))),
                        "queues", List.of(), "tables", List.of()));
            }
        });
        s.put("queues", queues(panelQueues));
        s.put("breakers", breakers());
        s.put("drops", drops());
        s.put("panels", panelViews);
        latest = s;
        latestAt = System.currentTimeMillis();
        return s;
    }

    private List<Map<String, Object>> systems() {
        Systems registered = camel.getRegistry().lookupByNameAndType("systems", Systems.class);
        List<Map<String, Object>> out = new ArrayList<>();
        if (registered == null) {
            return out;
        }
        for (Systems.Status s : registered.all()) {
            Seen seen = systems.get(s.name());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("configured", s.configured());
            m.put("state", s.state().name().toLowerCase(Locale.ROOT));
            m.put("detail", Sanitizer.clean(s.detail()));
            m.put("since", seen == null ? null : Instant.ofEpochMilli(seen.since()).toString());
            m.put("last_error", seen == null ? null : seen.lastError());
            m.put("last_error_at", seen == null || seen.lastErrorAt() == null ? null : Instant.ofEpochMilli(seen.lastErrorAt()).toString());
            out.add(m);
        }
        return out;
    }

    private Map<String, Object> mcp() {
        Map<String, Object> m = new LinkedHashMap<>(activity.view());
        // endpoint (+ era, once the transport tags it) -> sessions, listeners
        Map<String, Map<String, Object>> endpoints = new TreeMap<>();
        long sessions = 0;
        long listeners = 0;
        MeterRegistry r = registry.get();
        if (r != null) {
            for (Gauge g : r.find("mcp.sessions").gauges()) {
                Map<String, Object> e = endpoint(endpoints, g);
                long v = Math.round(g.value());
                e.merge("sessions", v, (a, b) -> (Long) a + (Long) b);
                sessions += v;
            }
            for (Gauge g : r.find("mcp.sse.connections").gauges()) {
                Map<String, Object> e = endpoint(endpoints, g);
                long v = Math.round(g.value());
                e.merge("listeners", v, (a, b) -> (Long) a + (Long) b);
                listeners += v;
            }
        }
        m.put("sessions", sessions);
        m.put("listeners", listeners);
        m.put("endpoints", new ArrayList<>(endpoints.values()));
        return m;
    }

    private static Map<String, Object> endpoint(Map<String, Map<String, Object>> endpoints, Gauge g) {
        String endpoint = g.getId().getTag("endpoint");
        String era = g.getId().getTag("era");
        return endpoints.computeIfAbsent(endpoint + "|" + era, k -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("endpoint", endpoint);
            e.put("era", era == null ? "all" : era);
            e.put("sessions", 0L);
            e.put("listeners", 0L);
            return e;
        });
    }

    /** Every SEDA queue; a panel's own figure for a queue (its real capacity) replaces the generic one. */
    private List<DashboardPanel.Queue> queues(Map<String, DashboardPanel.Queue> fromPanels) {
        Map<String, DashboardPanel.Queue> out = new TreeMap<>();
        for (Endpoint e : camel.getEndpoints()) {
            if (e instanceof SedaEndpoint seda) {
                String name = "seda:" + seda.getEndpointBaseUri().replaceFirst("^seda:(//)?", "").replaceFirst("\\?.*$", "");
                if (out.containsKey(name) || fromPanels.containsKey(name)) {
                    continue;
                }
                BlockingQueue<?> q = seda.getQueue();
                int depth = q == null ? 0 : q.size();
                int remaining = q == null ? Integer.MAX_VALUE : q.remainingCapacity();
                Long capacity = remaining == Integer.MAX_VALUE ? null : (long) remaining + depth;
                out.put(name, new DashboardPanel.Queue(name, depth, capacity));
            }
        }
        out.putAll(fromPanels);
        return new ArrayList<>(out.values());
    }

    private List<Map<String, Object>> breakers() {
        List<Route> routes = camel.getRoutes();
        if (breakers == null || !routes.equals(breakersOf)) {
            // Walking every route's processors is the dear part: only when the routes changed.
            Map<String, ResilienceProcessor> found = new TreeMap<>();
            for (Route route : routes) {
                for (Processor p : route.filter("*")) {
                    if (p instanceof ResilienceProcessor cb) {
                        found.put(route.getRouteId() + "/" + cb.getId(), cb);
                    }
                }
            }
            breakers = found;
            breakersOf = List.copyOf(routes);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        breakers.forEach((name, cb) -> out.add(Map.of("name", name,
                "state", String.valueOf(cb.getCircuitBreakerState()).toLowerCase(Locale.ROOT))));
        return out;
    }

    private List<Map<String, Object>> drops() {
        List<Map<String, Object>> out = new ArrayList<>();
        new TreeMap<>(dropCounts).forEach((k, v) -> out.add(Map.of("name", k, "count", Math.round(v))));
        return out;
    }

    private static boolean isDrop(String name) {
        return name.endsWith(".dropped") || name.endsWith(".dead_lettered") || name.endsWith(".rejected");
    }

    private static String systemOf(String meter) {
        String n = meter.startsWith("switchboard.") ? meter.substring("switchboard.".length()) : meter;
        int dot = n.indexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }

    private static String key(Meter m) {
        StringBuilder b = new StringBuilder(m.getId().getName());
        m.getId().getTags().forEach(t -> b.append(' ').append(t.getKey()).append('=').append(t.getValue()));
        return b.toString();
    }
}
