package io.switchboard.mcp;

import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * One MCP endpoint path ({@code /mcp}, or {@code /mcp/<system>}): its SDK server, its transport,
 * and what is registered on it, so a new catalogue snapshot changes only what changed.
 */
final class McpEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(McpEndpoint.class);

    private final String path;
    private final String system;
    private final McpAsyncServer server;
    private final StreamableHttpTransport transport;
    private final Map<String, Object> tools = new HashMap<>();
    private final Map<String, Object> resources = new HashMap<>();
    private final Map<String, Object> templates = new HashMap<>();
    private final Map<String, Object> prompts = new HashMap<>();

    McpEndpoint(String path, String system, McpAsyncServer server, StreamableHttpTransport transport) {
        this.path = path;
        this.system = system;
        this.server = server;
        this.transport = transport;
    }

    String path() {
        return path;
    }

    /** Null for the combined endpoint. */
    String system() {
        return system;
    }

    McpAsyncServer server() {
        return server;
    }

    StreamableHttpTransport transport() {
        return transport;
    }

    /** Registers {@code desired} (name → declaration) and removes what is no longer there. */
    synchronized void syncTools(Map<String, Object> desired, Function<String, McpServerFeatures.AsyncToolSpecification> spec) {
        sync("tool", tools, desired, name -> server.addTool(spec.apply(name)), server::removeTool);
    }

    synchronized void syncResources(Map<String, Object> desired, Function<String, McpServerFeatures.AsyncResourceSpecification> spec) {
        sync("resource", resources, desired, uri -> server.addResource(spec.apply(uri)), server::removeResource);
    }

    synchronized void syncTemplates(Map<String, Object> desired,
                                    Function<String, McpServerFeatures.AsyncResourceTemplateSpecification> spec) {
        sync("resource template", templates, desired, t -> server.addResourceTemplate(spec.apply(t)), server::removeResourceTemplate);
    }

    synchronized void syncPrompts(Map<String, Object> desired, Function<String, McpServerFeatures.AsyncPromptSpecification> spec) {
        sync("prompt", prompts, desired, name -> server.addPrompt(spec.apply(name)), server::removePrompt);
    }

    private void sync(String kind, Map<String, Object> current, Map<String, Object> desired,
                      Function<String, Mono<Void>> add, Function<String, Mono<Void>> remove) {
        for (String key : Map.copyOf(current).keySet()) {
            if (!Objects.equals(current.get(key), desired.get(key))) {
                current.remove(key);
                remove.apply(key).onErrorResume(e -> Mono.empty()).block();
            }
        }
        for (Map.Entry<String, Object> e : desired.entrySet()) {
            if (!current.containsKey(e.getKey())) {
                try {
                    add.apply(e.getKey()).block();
                    current.put(e.getKey(), e.getValue());
                } catch (RuntimeException ex) {
                    LOG.error("{}: could not register {} {}: {}", path, kind, e.getKey(), ex.getMessage());
                }
            }
        }
    }
}
