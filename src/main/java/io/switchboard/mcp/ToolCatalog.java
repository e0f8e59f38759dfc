package io.switchboard.mcp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.util.URISupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Knows which tools, resources and prompts exist: those declared in an {@code *.mcp.yaml} file
 * whose {@code direct:} route is running. Re-reads itself whenever routes are added, removed or
 * reloaded (and when a declaration file changes), and hands each new {@link Snapshot} on.
 */
public final class ToolCatalog extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ToolCatalog.class);
    private static final Pattern TOOL_NAME = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");
    private static final String CLASSPATH_DECLARATIONS = "classpath:routes/*.mcp.yaml";

    /** A declaration whose route runs; {@code system} is the route's group, or null. */
    public record Live<D>(D declaration, String system, String source) {
    }

    public record Snapshot(List<Live<Declarations.Tool>> tools, List<Live<Declarations.Resource>> resources,
                           List<Live<Declarations.Prompt>> prompts, List<Live<Declarations.Completion>> completions) {

        public static final Snapshot EMPTY = new Snapshot(List.of(), List.of(), List.of(), List.of());

        public Set<String> systems() {
            Set<String> systems = new HashSet<>();
            tools.forEach(t -> addSystem(systems, t.system()));
            resources.forEach(r -> addSystem(systems, r.system()));
            prompts.forEach(p -> addSystem(systems, p.system()));
            return systems;
        }

        private static void addSystem(Set<String> systems, String system) {
            if (system != null) {
                systems.add(system);
            }
        }
    }

    private final CamelContext camel;
    private final ObjectMapper declarationMapper;
    private final Path routesDir;
    private final Consumer<Snapshot> onChange;
    private final AtomicBoolean refreshPending = new AtomicBoolean();
    private volatile Snapshot current = Snapshot.EMPTY;
    private ScheduledExecutorService scheduler;

    public ToolCatalog(CamelContext camel, ObjectMapper mapper, Path routesDir, Consumer<Snapshot> onChange) {
        this.camel = camel;
        // A misspelt key in a declaration is an error to report, not something to ignore.
        this.declarationMapper = mapper.copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.routesDir = routesDir;
        this.onChange = onChange;
        // Only route events matter: declaring no interest in the others means Camel does not even
        // create an event object for every exchange of every route on the catalogue's account.
        setIgnoreExchangeEvents(true);
        setIgnoreCamelContextEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreRouteEvents(false);
    }

    public Snapshot current() {
        return current;
    }

    public Path routesDir() {
        return routesDir;
    }

    /** Re-reads every declaration, matches it to running routes and publishes the result. */
    public synchronized Snapshot refresh() {
        Map<String, Route> routesByUri = new HashMap<>();
        for (Route route : camel.getRoutes()) {
            routesByUri.put(normalize(route.getEndpoint().getEndpointUri()), route);
        }
        List<Live<Declarations.Tool>> tools = new ArrayList<>();
        List<Live<Declarations.Resource>> resources = new ArrayList<>();
        List<Live<Declarations.Prompt>> prompts = new ArrayList<>();
        List<Live<Declarations.Completion>> completions = new ArrayList<>();
        Set<String> toolNames = new HashSet<>();
        for (Map.Entry<String, Declarations.File> entry : readDeclarations().entrySet()) {
            String source = entry.getKey();
            Declarations.File file = entry.getValue();
            for (Declarations.Tool tool : file.tools()) {
                if (tool.name() == null || !TOOL_NAME.matcher(tool.name()).matches()
                        || (tool.originName() != null && !TOOL_NAME.matcher(tool.originName()).matches())) {
                    LOG.error("{}: tool name '{}' must match {}; ignored", source, tool.name(), TOOL_NAME.pattern());
                    continue;
                }
                Route route = routesByUri.get(normalize(tool.routeUri()));
                if (route == null) {
                    LOG.debug("{}: tool {} waits for its route {}", source, tool.name(), tool.routeUri());
                    continue;
                }
                if (!toolNames.add(tool.name())) {
                    LOG.error("{}: tool {} is declared twice; the first declaration wins", source, tool.name());
                    continue;
                }
                String system = route.getGroup();
                if (system != null && !tool.name().startsWith(system + "_")) {
                    LOG.warn("{}: tool {} belongs to system {} but does not carry its prefix '{}_'",
                            source, tool.name(), system, system);
                }
                tools.add(new Live<>(tool, system, source));
            }
            for (Declarations.Resource resource : file.resources()) {
                Route route = resource.route() == null ? null : routesByUri.get(normalize(resource.route()));
                if (route != null && (resource.uri() != null || resource.uriTemplate() != null)) {
                    resources.add(new Live<>(resource, route.getGroup(), source));
                }
            }
            for (Declarations.Prompt prompt : file.prompts()) {
                Route route = prompt.route() == null ? null : routesByUri.get(normalize(prompt.route()));
                if (route != null && prompt.name() != null) {
                    prompts.add(new Live<>(prompt, route.getGroup(), source));
                }
            }
            for (Declarations.Completion completion : file.completions()) {
                Route route = completion.route() == null ? null : routesByUri.get(normalize(completion.route()));
                if (route != null && completion.ref() != null) {
                    completions.add(new Live<>(completion, route.getGroup(), source));
                }
            }
        }
        Snapshot snapshot = new Snapshot(List.copyOf(tools), List.copyOf(resources), List.copyOf(prompts),
                List.copyOf(completions));
        current = snapshot;
        LOG.info("MCP catalogue: {} tools, {} resources, {} prompts", tools.size(), resources.size(), prompts.size());
        onChange.accept(snapshot);
        return snapshot;
    }

    /** Coalesces bursts of route events (a reload removes and adds) into one refresh. */
    public void scheduleRefresh() {
        if (scheduler != null && refreshPending.compareAndSet(false, true)) {
            scheduler.schedule(() -> {
                refreshPending.set(false);
                try {
                    refresh();
                } catch (RuntimeException e) {
                    LOG.error("Refreshing the MCP catalogue failed", e);
                }
            }, 100, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Route changes that can change the catalogue: every tool, resource and prompt is a
     * {@code direct:} route. Routes systems add and remove at run time for their own work (an
     * MQTT collection's consumer, say) leave it alone; each refresh re-reads every declaration.
     */
    @Override
    public boolean isEnabled(CamelEvent event) {
        if (event instanceof CamelEvent.RouteReloadedEvent) {
            return true;
        }
        if (event instanceof CamelEvent.RouteAddedEvent || event instanceof CamelEvent.RouteRemovedEvent) {
            Route route = ((CamelEvent.RouteEvent) event).getRoute();
            return route == null || route.getEndpoint() == null || route.getEndpoint().getEndpointUri().startsWith("direct:");
        }
        return false;
    }

    @Override
    public void notify(CamelEvent event) {
        scheduleRefresh();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        scheduler = camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "mcp-catalog");
    }

    @Override
    protected void doStop() throws Exception {
        if (scheduler != null) {
            camel.getExecutorServiceManager().shutdown(scheduler);
            scheduler = null;
        }
        super.doStop();
    }

    private Map<String, Declarations.File> readDeclarations() {
        Map<String, Declarations.File> files = new java.util.LinkedHashMap<>();
        try {
            for (Resource resource : PluginHelper.getPackageScanResourceResolver(camel).findResources(CLASSPATH_DECLARATIONS)) {
                try (InputStream in = resource.getInputStream()) {
                    parse(resource.getLocation(), in, files);
                }
            }
        } catch (Exception e) {
            LOG.error("Could not list the packaged MCP declarations: {}", e.toString());
        }
        if (Files.isDirectory(routesDir)) {
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(routesDir, "*.mcp.yaml")) {
                for (Path p : dir) {
                    try (InputStream in = Files.newInputStream(p)) {
                        parse(p.getFileName().toString(), in, files);
                    }
                }
            } catch (IOException e) {
                LOG.error("Could not read MCP declarations in the routes folder: {}", e.toString());
            }
        }
        return files;
    }

    private void parse(String source, InputStream in, Map<String, Declarations.File> into) {
        try {
            Object yaml = new Load(LoadSettings.builder().setLabel(source).build()).loadFromInputStream(in);
            if (yaml != null) {
                into.put(source, declarationMapper.convertValue(yaml, Declarations.File.class));
            }
        } catch (RuntimeException e) {
            LOG.error("{}: not a valid MCP declaration file, ignored: {}", source, e.getMessage());
        }
    }

    private static String normalize(String uri) {
        try {
            return URISupport.normalizeUri(uri);
        } catch (URISyntaxException | RuntimeException e) {
            return uri;
        }
    }
}
