package io.switchboard.observe.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.AccessGuard;
import io.switchboard.guard.ErrorEnvelope;
import io.switchboard.observe.McpMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Ordered;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live operations page: {@code GET /observe/dashboard} (a static page from the classpath),
 * {@code /observe/dashboard/events} (an SSE feed) and the panels' actions, on Camel's own HTTP
 * server. A timer route calls {@link #tick()} once a second: the snapshot is computed and
 * serialised once and the same bytes go to every open feed, so five open pages cost what one does
 * plus four socket writes. With no page open only the in-memory counters are sampled.
 */
public final class Dashboard extends ServiceSupport implements StartupListener, Ordered {

    private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
    public static final String PATH = "/observe/dashboard";
    private static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    /** How the page is served. */
    public record Settings(int port, boolean showContent, boolean tokenRequired, String version) {
    }

    private final Settings settings;
    private final AccessGuard guard;
    private final ObjectMapper mapper;
    private final McpMetrics metrics;
    private final RecentEvents events;
    private final McpActivity activity;
    private final Map<String, DashboardPanel> panels = new ConcurrentSkipListMap<>();
    private final Set<Feed> feeds = ConcurrentHashMap.newKeySet();
    private final Map<String, Buffer> assets = new ConcurrentHashMap<>();
    private final long startedAt = System.currentTimeMillis();
    private Snapshots snapshots;
    private CamelContext camel;
    private Vertx vertx;
    private volatile boolean mounted;

    /** One open page: its response and the event-loop context the response belongs to. */
    private record Feed(HttpServerResponse response, Context context) {
    }

    public Dashboard(Settings settings, AccessGuard guard, ObjectMapper mapper, McpMetrics metrics, RecentEvents events) {
        this.settings = settings;
        this.guard = guard;
        this.mapper = mapper;
        this.metrics = metrics;
        this.events = events;
        this.activity = new McpActivity(events);
    }

    /** A panel added by code rather than found as a bean (a system that starts late). */
    public void register(String name, DashboardPanel panel) {
        panels.put(name, panel);
    }

    public int viewers() {
        return feeds.size();
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        if (mounted) {
            return;
        }
        camel = context;
        context.getRegistry().findByTypeWithName(DashboardPanel.class).forEach(panels::putIfAbsent);
        snapshots = new Snapshots(context, events, activity, panels.values(), settings.showContent(),
                Map.of("version", settings.version(), "started_at", Instant.ofEpochMilli(startedAt).toString()));
        metrics.listen(activity);
        for (String name : ASSETS.keySet()) {
            assets.put(name, Buffer.buffer(resource(name)));
        }
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(settings.port()));
        if (router == null) {
            LOG.warn("Operations page not mounted: Camel's HTTP server is not running");
            return;
        }
        vertx = router.vertx();
        mount(router);
        mounted = true;
        LOG.info("Operations page at {} (panels: {})", PATH, panels.keySet());
    }

    private static byte[] resource(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard asset missing from the classpath: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void mount(Router router) {
        // The page itself and its assets hold no data: they load without a token (the page is the login).
        router.get(PATH).order(-90).handler(ctx -> asset(ctx, "index.html"));
        router.get(PATH + "/").order(-90).handler(ctx -> asset(ctx, "index.html"));
        router.get(PATH + "/assets/:name").order(-90).handler(ctx -> asset(ctx, ctx.pathParam("name")));
        router.get(PATH + "/config").order(-90).handler(this::config);
        router.get(PATH + "/snapshot").order(-90).handler(guard).handler(this::snapshot).failureHandler(this::failure);
        router.get(PATH + "/events").order(-90).handler(guard).handler(this::openFeed).failureHandler(this::failure);
        // The body is read after the guard (Vert.x wants a BodyHandler first; wrapped, it runs second).
        BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024);
        router.post(PATH + "/actions/:panel/:action").order(-90).handler(guard)
                .handler(body::handle)
                .handler(this::action).failureHandler(this::failure);
    }

    private void asset(RoutingContext ctx, String name) {
        Buffer body = name == null ? null : assets.get(name);
        if (body == null) {
            ctx.response().setStatusCode(404).end();
            return;
        }
        ctx.response().putHeader("Content-Type", ASSETS.get(name))
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                        + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
                .end(body);
    }

    /** What the page needs before login: whether to ask for a token. No data. */
    private void config(RoutingContext ctx) {
        json(ctx, 200, Map.of("token_required", settings.tokenRequired(), "version", settings.version()));
    }

    private void snapshot(RoutingContext ctx) {
        vertx.executeBlocking(() -> mapper.writeValueAsBytes(snapshots.latestWithAllEvents()), false)
                .onSuccess(bytes -> ctx.response().putHeader("Content-Type", "application/json")
                        .putHeader("Cache-Control", "no-store").end(Buffer.buffer(bytes)))
                .onFailure(ctx::fail);
    }

    private void openFeed(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        Feed feed = new Feed(response, vertx.getOrCreateContext());
        response.closeHandler(v -> feeds.remove(feed));
        response.exceptionHandler(e -> feeds.remove(feed));
        // The first message carries the whole ring of recent events; later ones only what is new.
        vertx.executeBlocking(() -> sse(snapshots.latestWithAllEvents()), false).onComplete(first -> {
            if (response.closed() || response.ended()) {
                return;
            }
            if (first.failed()) {
                LOG.warn("Operations page feed: first snapshot failed", first.cause());
                response.end();
                return;
            }
            response.write(Buffer.buffer("retry: 2000\n\n")).onFailure(e -> feeds.remove(feed));
            response.write(first.result());
            feeds.add(feed);
        });
    }

    private Buffer sse(Map<String, Object> snapshot) throws IOException {
        byte[] json = mapper.writeValueAsBytes(snapshot);
        Buffer b = Buffer.buffer(json.length + 32);
        b.appendString("event: snapshot\ndata: ").appendBytes(json).appendString("\n\n");
        return b;
    }

    /** Once a second, from the dashboard timer route. */
    public void tick() {
        if (snapshots == null) {
            return;
        }
        activity.sample();
        snapshots.watch();
        if (feeds.isEmpty()) {
            snapshots.idle();
            return;
        }
        Buffer message;
        try {
            message = sse(snapshots.next());
        } catch (Exception e) {
            LOG.warn("Operations page snapshot failed: {}", e.toString());
            return;
        }
        for (Feed feed : feeds) {
            feed.context().runOnContext(v -> {
                HttpServerResponse r = feed.response();
                if (r.closed() || r.ended()) {
                    feeds.remove(feed);
                } else if (r.writeQueueFull()) {
                    // A page that does not read: drop it rather than buffer for it; it reconnects and resyncs.
                    feeds.remove(feed);
                    r.reset();
                } else {
                    r.write(message.copy());
                }
            });
        }
    }

    private void action(RoutingContext ctx) {
        String panelId = ctx.pathParam("panel");
        String action = ctx.pathParam("action");
        DashboardPanel panel = panels.values().stream()
                .filter(p -> panelId.equals(p.id())).findFirst().orElse(null);
        List<String> ids = new ArrayList<>();
        try {
            Map<?, ?> body = ctx.body().length() == 0 ? Map.of() : mapper.readValue(ctx.body().buffer().getBytes(), Map.class);
            if (body.get("ids") instanceof List<?> l) {
                l.forEach(i -> ids.add(String.valueOf(i)));
            }
        } catch (Exception e) {
            json(ctx, 400, Map.of("error", "the body must be JSON: {\"ids\": [...]}"));
            return;
        }
        if (panel == null) {
            json(ctx, 404, Map.of("error", "no panel " + panelId));
            return;
        }
        vertx.executeBlocking(() -> panel.act(camel, action, ids), false)
                .onSuccess(result -> {
                    events.add(panelId, "action", action + " " + ids, "ok", null, null);
                    json(ctx, 200, result);
                })
                .onFailure(e -> {
                    String correlation = UUID.randomUUID().toString();
                    ErrorEnvelope envelope = e instanceof IllegalArgumentException
                            ? ErrorEnvelope.of(io.switchboard.guard.ErrorCode.VALIDATION_ERROR, e.getMessage(), action, List.of(), correlation)
                            : ErrorEnvelope.fromThrowable(e, action, correlation);
                    LOG.warn("Operations page action {} on {} failed [{}]", action, panelId, correlation, e);
                    events.add(panelId, "action", action + " " + ids, envelope.code().code(), null, null);
                    json(ctx, 400, envelope.toMap());
                });
    }

    private void failure(RoutingContext ctx) {
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        if (ctx.failure() != null) {
            LOG.warn("Operations page: {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
        }
        json(ctx, status, Map.of("error", status == 413 ? "Payload Too Large" : "Request failed"));
    }

    private void json(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        try {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store").end(Buffer.buffer(mapper.writeValueAsBytes(body)));
        } catch (Exception e) {
            ctx.response().setStatusCode(500).end();
        }
    }

    @Override
    protected void doStop() {
        metrics.listen(null);
        for (Feed feed : feeds) {
            feed.context().runOnContext(v -> {
                if (!feed.response().ended()) {
                    feed.response().end();
                }
            });
        }
        feeds.clear();
    }
}
