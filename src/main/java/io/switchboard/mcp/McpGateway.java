package io.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.spec.McpSchema;
import io.switchboard.guard.AccessGuard;
import io.switchboard.guard.ArgumentGuard;
import io.switchboard.observe.McpMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.Ordered;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP face of Switchboard: mounts {@code /mcp} and {@code /mcp/<system>} on Camel's HTTP
 * server once it is up, keeps one SDK server per endpoint in step with the {@link ToolCatalog},
 * and gives the systems a {@link Notifier}.
 */
public final class McpGateway extends ServiceSupport implements StartupListener, Ordered {

    private static final Logger LOG = LoggerFactory.getLogger(McpGateway.class);
    public static final String COMBINED = "/mcp";

    /** Everything the gateway is configured with. */
    public record Settings(int port, TransportSettings transport, Duration toolTimeout, int workerThreads,
                           Path routesDir, String version, String instructions) {
    }

    private final Settings settings;
    private final ObjectMapper mapper;
    private final McpJsonMapper jsonMapper;
    private final ArgumentGuard argumentGuard;
    private final AccessGuard accessGuard;
    private final McpMetrics metrics;
    private final Map<String, McpEndpoint> endpoints = new ConcurrentHashMap<>();
    private final Notifier notifier = new Notifier(this::endpoints);
    private final RequestStates requestStates;
    private final SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(Dialects.getDraft202012());
    private CamelContext camel;
    private ToolCatalog catalog;
    private RouteInvoker invoker;
    private RouteFeatures features;
    private ExecutorService workerPool;
    private ExecutorService requestPool;
    private RequestWorkers requestWorkers = new RequestWorkers(null);
    private TransportLimits limits = TransportLimits.defaults();
    private Vertx vertx;
    private long keepAliveTimer = -1;

    public McpGateway(Settings settings, ObjectMapper mapper, ArgumentGuard argumentGuard, AccessGuard accessGuard,
                      McpMetrics metrics) {
        this.settings = settings;
        this.mapper = mapper;
        this.jsonMapper = new JacksonMcpJsonMapper(mapper);
        this.requestStates = new RequestStates(mapper);
        this.argumentGuard = argumentGuard;
        this.accessGuard = accessGuard;
        this.metrics = metrics;
    }

    /**
     * The HMAC key that signs multi round-trip {@code requestState} (2026-07-28); without one a
     * random key per process is used, so a retry must reach the instance that asked.
     */
    public void requestStateKey(String key) {
        requestStates.useKey(key);
    }

    /** Sessions, streams and the request worker pool's bounds; set before Camel starts. */
    public void limits(TransportLimits limits) {
        this.limits = limits;
    }

    public Notifier notifier() {
        return notifier;
    }

    /** Who may reach the MCP endpoints; other HTTP APIs on the same port (Bindery's) reuse it. */
    public AccessGuard accessGuard() {
        return accessGuard;
    }

    public ToolCatalog catalog() {
        return catalog;
    }

    /** The endpoint paths being served, e.g. {@code /mcp}, {@code /mcp/xmpp}. */
    public List<String> endpointPaths() {
        return endpoints.keySet().stream().sorted().toList();
    }

    /** Re-reads the declarations now (a declaration file changed). */
    public void refreshCatalog() {
        if (catalog != null) {
            catalog.refresh();
        }
    }

    public int sessionCount() {
        return endpoints.values().stream().mapToInt(e -> e.transport().sessionCount()).sum();
    }

    public boolean isMounted() {
        return keepAliveTimer >= 0;
    }

    @Override
    public int getOrder() {
        // After Camel's own HTTP server has started: its router must exist.
        return Ordered.LOWEST;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // Too early: routes are not running yet. The endpoints open in onCamelContextFullyStarted.
    }

    /** Mounts the endpoints once every route runs, so no client ever calls a tool that is not there yet. */
    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
        if (isMounted()) {
            return;
        }
        this.camel = context;
        ThreadPoolProfile profile = new ThreadPoolProfile("mcp-routes");
        profile.setPoolSize(settings.workerThreads());
        profile.setMaxPoolSize(settings.workerThreads());
        profile.setMaxQueueSize(settings.workerThreads() * 16);
        profile.setRejectedPolicy(org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy.Abort);
        workerPool = context.getExecutorServiceManager().newThreadPool(this, "mcp-routes", profile);
        invoker = new RouteInvoker(context, workerPool);
        ThreadPoolProfile requests = new ThreadPoolProfile("mcp-requests");
        requests.setPoolSize(limits.requestWorkers());
        requests.setMaxPoolSize(limits.requestWorkers());
        requests.setMaxQueueSize(limits.requestQueue());
        requests.setRejectedPolicy(org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy.Abort);
        requestPool = context.getExecutorServiceManager().newThreadPool(this, "mcp-requests", requests);
        requestWorkers = new RequestWorkers(requestPool);
        features = new RouteFeatures(invoker, mapper, settings.toolTimeout(), requestStates);
        catalog = new ToolCatalog(context, mapper, settings.routesDir(), this::apply);
        context.getManagementStrategy().addEventNotifier(catalog);
        ServiceHelper.startService(catalog);
        catalog.refresh();

        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(settings.port()));
        if (router == null) {
            throw new IllegalStateException("Camel's HTTP server is not running; set camel.server.enabled=true");
        }
        vertx = router.vertx();
        mount(router);
        long interval = Math.max(1000, settings.transport().keepAliveInterval().toMillis());
        keepAliveTimer = vertx.setPeriodic(interval, id -> endpoints.values().forEach(e -> e.transport().keepAlive()));
        LOG.info("MCP endpoints mounted: {}", endpointPaths());
    }

    private void mount(Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(settings.transport().maxBodyBytes());
        for (String path : List.of(COMBINED, COMBINED + "/:system")) {
            router.route(path).order(-100)
                    .handler(accessGuard)
                    .handler(ctx -> {
                        // Only POST carries a body; GET and DELETE go straight on.
                        if (ctx.request().method() == HttpMethod.POST) {
                            body.handle(ctx);
                        } else {
                            ctx.next();
                        }
                    })
                    .handler(this::dispatch)
                    .failureHandler(this::failure);
        }
    }

    private void dispatch(RoutingContext ctx) {
        String system = ctx.pathParam("system");
        McpEndpoint endpoint = endpoints.get(system == null ? COMBINED : COMBINED + "/" + system);
        if (endpoint == null) {
            AccessGuard.jsonRpcError(ctx, 404, null, -32000, "No such MCP endpoint; systems: " + endpointPaths());
            return;
        }
        endpoint.transport().handle(ctx);
    }

    private void failure(RoutingContext ctx) {
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        if (status == 413) {
            metrics.rejected("body_too_large");
            AccessGuard.jsonRpcError(ctx, 413, null, -32000,
                    "Payload Too Large: the limit is " + settings.transport().maxBodyBytes() + " bytes");
            return;
        }
        if (ctx.failure() != null) {
            LOG.warn("Unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
        }
        AccessGuard.jsonRpcError(ctx, status, null, -32603, status >= 500 ? "Internal error" : "Request failed");
    }

    /** Brings every endpoint in line with a new catalogue snapshot. */
    private synchronized void apply(ToolCatalog.Snapshot snapshot) {
        endpoint(COMBINED, null, snapshot);
        for (String system : snapshot.systems()) {
            endpoint(COMBINED + "/" + system, system, snapshot);
        }
        for (McpEndpoint endpoint : endpoints.values()) {
            String system = endpoint.system();
            Map<String, Object> tools = new LinkedHashMap<>();
            Map<String, ToolCatalog.Live<Declarations.Tool>> byName = new LinkedHashMap<>();
            for (ToolCatalog.Live<Declarations.Tool> t : snapshot.tools()) {
                if (system == null || system.equals(t.system())) {
                    String name = system == null ? t.declaration().name() : t.declaration().systemName();
                    tools.put(name, t.declaration());
                    byName.put(name, t);
                }
            }
            endpoint.syncTools(tools, name -> toolSpec(name, byName.get(name).declaration()));
            endpoint.transport().toolsOnLoop(byName.entrySet().stream()
                    .filter(t -> !t.getValue().declaration().mayBlock()).map(Map.Entry::getKey)
                    .collect(Collectors.toSet()));

            Map<String, Object> resources = new LinkedHashMap<>();
            Map<String, Object> templates = new LinkedHashMap<>();
            Map<String, Declarations.Resource> declared = new LinkedHashMap<>();
            for (ToolCatalog.Live<Declarations.Resource> r : snapshot.resources()) {
                if (system == null || system.equals(r.system())) {
                    Declarations.Resource d = r.declaration();
                    (d.isTemplate() ? templates : resources).put(d.isTemplate() ? d.uriTemplate() : d.uri(), d);
                    declared.put(d.isTemplate() ? d.uriTemplate() : d.uri(), d);
                }
            }
            endpoint.syncResources(resources, uri -> features.resource(declared.get(uri)));
            endpoint.syncTemplates(templates, t -> features.template(declared.get(t)));

            Map<String, Object> prompts = new LinkedHashMap<>();
            for (ToolCatalog.Live<Declarations.Prompt> p : snapshot.prompts()) {
                if (system == null || system.equals(p.system())) {
                    prompts.put(p.declaration().name(), p.declaration());
                }
            }
            endpoint.syncPrompts(prompts, name -> features.prompt((Declarations.Prompt) prompts.get(name)));
        }
    }

    private McpServerFeatures.AsyncToolSpecification toolSpec(String name, Declarations.Tool d) {
        Map<String, Object> inputSchema = d.inputSchema() == null || d.inputSchema().isEmpty()
                ? Map.of("type", "object") : d.inputSchema();
        Schema compiled = schemas.getSchema(mapper.valueToTree(inputSchema));
        McpSchema.Tool.Builder tool = McpSchema.Tool.builder()
                .name(name).title(d.title()).description(d.description()).inputSchema(inputSchema);
        if (d.outputSchema() != null) {
            tool.outputSchema(d.outputSchema());
        }
        if (d.annotations() != null) {
            tool.annotations(mapper.convertValue(d.annotations(), McpSchema.ToolAnnotations.class));
        }
        ToolHandler handler = new ToolHandler(d, invoker.endpoint(d.routeUri()), compiled,
                d.timeoutOr(settings.toolTimeout()), mapper, d.guard(argumentGuard), invoker, metrics, this::closeStream,
                requestStates);
        return McpServerFeatures.AsyncToolSpecification.builder().tool(tool.build()).callHandler(handler::call).build();
    }

    private boolean closeStream(StreamableHttpTransport.StreamKey key) {
        McpEndpoint endpoint = endpoints.get(key.endpoint());
        return endpoint != null && endpoint.transport().closeStreamOf(key.sessionId(), key.streamId());
    }

    private McpEndpoint endpoint(String path, String system, ToolCatalog.Snapshot snapshot) {
        return endpoints.computeIfAbsent(path, p -> {
            StreamableHttpTransport transport = new StreamableHttpTransport(p, mapper, jsonMapper, settings.transport(), limits,
                    requestWorkers, metrics);
            List<McpServerFeatures.AsyncCompletionSpecification> completions = snapshot.completions().stream()
                    .filter(c -> system == null || system.equals(c.system()))
                    .map(c -> features.completion(c.declaration()))
                    .toList();
            McpAsyncServer server = McpServer.async(transport)
                    .serverInfo(system == null ? "switchboard" : "switchboard-" + system, settings.version())
                    .instructions(settings.instructions())
                    .capabilities(McpSchema.ServerCapabilities.builder()
                            .tools(true).resources(true, true).prompts(true).logging().completions().build())
                    .jsonMapper(jsonMapper)
                    .jsonSchemaValidator(new DefaultJsonSchemaValidator(mapper))
                    // Arguments are coerced and validated by ToolHandler, with the guard's limits first.
                    .validateToolInputs(false)
                    .strictToolNameValidation(true)
                    .requestTimeout(settings.toolTimeout())
                    .completions(completions)
                    .build();
            transport.serveStateless(system == null ? "switchboard" : "switchboard-" + system, settings.version(),
                    settings.instructions());
            transport.watchGate(features::mayWatch);
            LOG.info("MCP endpoint {} ready{}", p, system == null ? "" : " for system " + system);
            return new McpEndpoint(p, system, server, transport);
        });
    }

    private Collection<McpEndpoint> endpoints() {
        return endpoints.values();
    }

    @Override
    protected void doStop() throws Exception {
        if (vertx != null && keepAliveTimer >= 0) {
            vertx.cancelTimer(keepAliveTimer);
        }
        for (McpEndpoint e : endpoints.values()) {
            e.transport().closeGracefully().block(Duration.ofSeconds(5));
        }
        if (catalog != null) {
            ServiceHelper.stopService(catalog);
        }
        if (invoker != null) {
            invoker.close();
        }
        if (workerPool != null && camel != null) {
            camel.getExecutorServiceManager().shutdown(workerPool);
        }
        if (requestPool != null && camel != null) {
            camel.getExecutorServiceManager().shutdown(requestPool);
        }
    }
}
