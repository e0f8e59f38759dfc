package io.switchboard.bindery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.AccessGuard;
import io.switchboard.guard.ArgumentGuard;
import io.switchboard.mcp.McpGateway;
import io.switchboard.observe.Systems;
import io.switchboard.store.Store;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.Ordered;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Bindery's beans (seed 001). The client tools are routes/bindery.camel.yaml (declared in
 * bindery.mcp.yaml); the embedded backend is routes/bindery-backend.camel.yaml over the beans
 * below. The client routes reach whichever backend {@code switchboard.bindery.base-url} names:
 * SWITCHBOARD_BINDERY_URL when set, else the embedded one on this server's own port.
 */
@Configuration
public class BinderyConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(BinderyConfiguration.class);

    @PropertyInject(value = "switchboard.bindery.url", defaultValue = "")
    String url;
    @PropertyInject("switchboard.port")
    int port;
    @PropertyInject(value = "switchboard.bindery.token", defaultValue = "")
    String token;
    @PropertyInject(value = "switchboard.bindery.timeout", defaultValue = "30")
    double timeoutSeconds;
    @PropertyInject(value = "switchboard.bindery.retries", defaultValue = "3")
    int retries;
    @PropertyInject(value = "switchboard.bindery.roles-file", defaultValue = "")
    String rolesFile;
    @PropertyInject(value = "switchboard.bindery.chunk-chars", defaultValue = "1000")
    int chunkChars;
    @PropertyInject(value = "switchboard.bindery.chunk-overlap", defaultValue = "100")
    int chunkOverlap;
    @PropertyInject("switchboard.guard.max-depth")
    int maxDepth;
    @PropertyInject("switchboard.guard.max-string-length")
    int maxStringLength;
    @PropertyInject("switchboard.guard.max-array-length")
    int maxArrayLength;
    @PropertyInject("switchboard.guard.max-object-keys")
    int maxObjectKeys;

    // Bean methods call each other; Camel binds each result once, so the instances are memoised here.
    private BinderyRoles roles;
    private Backend backend;

    /** The embedded backend's parts, built together on the store. */
    private record Backend(BinderyTasks tasks, BinderyLibrary library, BinderyStats stats, BinderyApi api) {
    }

    boolean embedded() {
        return url == null || url.isBlank();
    }

    String baseUrl() {
        String base = embedded() ? "http://127.0.0.1:" + port + "/bindery" : url.trim();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** The bindery-http route's retry rule: a POST only when nothing reached the backend. */
    @BindToRegistry("binderySafeToRetry")
    public SafeToRetry binderySafeToRetry() {
        return new SafeToRetry(retries);
    }

    @BindToRegistry(value = "binderyRoles", lazy = true)
    public synchronized BinderyRoles binderyRoles() {
        if (roles == null) {
            roles = BinderyRoles.load(rolesFile);
        }
        return roles;
    }

    private synchronized Backend backend(CamelContext camel) {
        if (backend == null) {
            Store store = camel.getRegistry().lookupByNameAndType("store", Store.class);
            PlatformTransactionManager tm = camel.getRegistry().lookupByNameAndType("transactionManager",
                    PlatformTransactionManager.class);
            if (tm == null) {
                tm = new DataSourceTransactionManager(store.dataSource());
            }
            NamedParameterJdbcTemplate db = new NamedParameterJdbcTemplate(store.dataSource());
            TransactionTemplate tx = new TransactionTemplate(tm);
            Json json = new Json(mapper(camel));
            BinderyTasks tasks = new BinderyTasks(db, tx, json, binderyRoles());
            BinderyLibrary library = new BinderyLibrary(db, tx, json, store.database().startsWith("SQLite"), chunkChars, chunkOverlap);
            BinderyStats stats = new BinderyStats(db, store);
            BinderyApi api = new BinderyApi(json, new ArgumentGuard(maxDepth, maxStringLength, maxArrayLength, maxObjectKeys),
                    tasks, library, stats, binderyRoles());
            backend = new Backend(tasks, library, stats, api);
        }
        return backend;
    }

    @BindToRegistry(value = "binderyTasks", lazy = true)
    public BinderyTasks binderyTasks(CamelContext camel) {
        return backend(camel).tasks();
    }

    @BindToRegistry(value = "binderyLibrary", lazy = true)
    public BinderyLibrary binderyLibrary(CamelContext camel) {
        return backend(camel).library();
    }

    @BindToRegistry(value = "binderyStats", lazy = true)
    public BinderyStats binderyStats(CamelContext camel) {
        return backend(camel).stats();
    }

    @BindToRegistry(value = "binderyApi", lazy = true)
    public BinderyApi binderyApi(CamelContext camel) {
        return backend(camel).api();
    }

    @BindToRegistry(value = "binderyRequests", lazy = true)
    public BinderyRequests binderyRequests() {
        return new BinderyRequests();
    }

    @BindToRegistry(value = "binderyResponses", lazy = true)
    public BinderyResponses binderyResponses(CamelContext camel) {
        return new BinderyResponses(mapper(camel));
    }

    private static ObjectMapper mapper(CamelContext camel) {
        return camel.getRegistry().lookupByNameAndType("mcpObjectMapper", ObjectMapper.class);
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        // What the routes need, derived once: where the backend is, how long to wait for it, and
        // the bearer token to show it (the gateway's own to the embedded backend when tokens are
        // configured; SWITCHBOARD_BINDERY_TOKEN to an external one).
        camel.getPropertiesComponent().addOverrideProperty("switchboard.bindery.base-url", baseUrl());
        camel.getPropertiesComponent().addOverrideProperty("switchboard.bindery.timeout-millis",
                Long.toString(Math.max(1, Math.round(timeoutSeconds * 1000))));
        camel.getPropertiesComponent().addOverrideProperty("switchboard.bindery.backend", embedded() ? "embedded" : "external");
        LOG.info("Bindery: tools talk to the {} backend at {}", embedded() ? "embedded" : "external", baseUrl());
        camel.addStartupListener(new BackendGate());
    }

    /**
     * Mounts the gate in front of {@code /bindery} on Camel's HTTP server as soon as the server
     * exists and before any route serves: the gateway's own Host/Origin/token checks (no second
     * token check), and 404 when an external backend is configured, since then there is none here.
     */
    private final class BackendGate implements StartupListener, Ordered {

        @Override
        public int getOrder() {
            return Ordered.LOWEST;
        }

        @Override
        public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
            VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                    VertxPlatformHttpRouter.getRouterNameFromPort(port));
            if (router == null) {
                throw new IllegalStateException("Camel's HTTP server is not running; the Bindery backend needs it");
            }
            McpGateway gateway = context.getRegistry().lookupByNameAndType("mcpGateway", McpGateway.class);
            AccessGuard guard = gateway.accessGuard();
            boolean serve = embedded();
            io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> admit = guard.withoutRateLimit();
            router.route("/bindery/*").order(-101).handler(ctx -> {
                if (!serve) {
                    AccessGuard.jsonRpcError(ctx, 404, null, -32000, "No Bindery backend here: Switchboard uses an external one");
                    return;
                }
                admit.handle(ctx);
            });
            Systems systems = context.getRegistry().lookupByNameAndType("systems", Systems.class);
            if (systems != null) {
                systems.register("bindery", () -> new Systems.Status("bindery", true, Systems.State.CONNECTED,
                        (serve ? "embedded backend at " : "external backend at ") + baseUrl(), false));
            }
        }
    }

    /** Where the client routes send requests, and the Authorization header they show ("" for none). */
    public record Target(String baseUrl, String kind, String authorization) {
        @Override
        public String toString() {
            return "Target[" + kind + " " + baseUrl + "]";
        }
    }

    @BindToRegistry(value = "binderyTarget", lazy = true)
    public Target binderyTarget(CamelContext camel) {
        String authorization;
        if (!embedded()) {
            authorization = token == null || token.isBlank() ? "" : "Bearer " + token.trim();
        } else {
            McpGateway gateway = camel.getRegistry().lookupByNameAndType("mcpGateway", McpGateway.class);
            authorization = gateway.accessGuard().ownToken().map(t -> "Bearer " + t).orElse("");
        }
        return new Target(baseUrl(), embedded() ? "embedded" : "external", authorization);
    }
}
