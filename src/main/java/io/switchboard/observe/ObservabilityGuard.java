package io.switchboard.observe;

import io.switchboard.guard.AccessGuard;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Ordered;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the MCP endpoints' access guard (Host, Origin, bearer tokens) in front of what Camel's
 * management server mounts on the shared router: health data and metrics tell an outsider which
 * systems run, how busy they are and where they fail. The liveness and readiness probes stay open
 * for orchestrators, which carry no token (their details, ?data=true, do not). Without tokens
 * the guard still checks Host and Origin.
 */
public final class ObservabilityGuard implements Handler<RoutingContext>, StartupListener, Ordered {

    private static final Logger LOG = LoggerFactory.getLogger(ObservabilityGuard.class);
    static final String HEALTH = "/observe/health";
    static final String METRICS = "/observe/metrics";
    private static final List<String> PROBES = List.of(HEALTH + "/live", HEALTH + "/ready");

    private final int port;
    private final AccessGuard access;
    private volatile boolean mounted;

    public ObservabilityGuard(int port, AccessGuard access) {
        this.port = port;
        this.access = access;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        // A probe's status code is for anyone; its details (?data=true) are not.
        if (PROBES.contains(trimmed) && !"true".equalsIgnoreCase(ctx.request().getParam("data"))) {
            ctx.next();
            return;
        }
        access.handle(ctx);
    }

    @Override
    public int getOrder() {
        // After Camel's own HTTP server has started: its router must exist.
        return Ordered.LOWEST;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // As early as the router exists: health and metrics are never served unguarded.
        mount(context);
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        mount(context);
        if (!mounted) {
            throw new IllegalStateException("Camel's HTTP server is not running; health and metrics cannot be guarded");
        }
    }

    private synchronized void mount(CamelContext context) {
        if (mounted) {
            return;
        }
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            return;
        }
        mount((Router) router);
        // Behind the guard: the details of health, sanitised (Camel's own would carry raw error text).
        HealthDetails details = new HealthDetails(context);
        ((Router) router).route(HEALTH).order(-99).handler(details);
        ((Router) router).route(HEALTH + "/*").order(-99).handler(details);
        mounted = true;
        LOG.info("Health data and metrics are guarded like the MCP endpoints; {}/live and /ready stay open", HEALTH);
    }

    private void mount(Router router) {
        router.route(METRICS).order(-100).handler(this);
        router.route(HEALTH).order(-100).handler(this);
        router.route(HEALTH + "/*").order(-100).handler(this);
    }
}
