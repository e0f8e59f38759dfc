package io.switchboard.mcp;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.switchboard.guard.ArgumentGuard;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.camel.util.TimeUtils;

/**
 * What an {@code *.mcp.yaml} file next to a route file declares: the tools, resources, prompts and
 * completions MCP clients see, each pointing at the {@code direct:} route that does the work.
 * Camel's YAML DSL has no route properties, so the MCP face of a route sits beside it.
 */
public final class Declarations {

    private Declarations() {
    }

    /** One {@code *.mcp.yaml} file. */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record File(List<Tool> tools, List<Resource> resources, List<Prompt> prompts, List<Completion> completions) {
        public File {
            tools = tools == null ? List.of() : tools;
            resources = resources == null ? List.of() : resources;
            prompts = prompts == null ? List.of() : prompts;
            completions = completions == null ? List.of() : completions;
        }
    }

    public record Tool(String name, String originName, String route, String title, String description,
                       Map<String, Object> annotations, Map<String, Object> inputSchema,
                       Map<String, Object> outputSchema, String timeout, String result, Integer maxStringLength,
                       Boolean blocking) {

        public String routeUri() {
            return route != null ? route : "direct:" + name;
        }

        /** The name on a system's own endpoint: the origin project's name where it differs. */
        public String systemName() {
            return originName != null ? originName : name;
        }

        /**
         * The argument guard's string limit for this tool: its own {@code maxStringLength} when the
         * declaration raises it (a tool whose arguments legitimately carry long text, such as an
         * MQTT payload of up to 1 MB), the gateway's otherwise.
         */
        public ArgumentGuard guard(ArgumentGuard gatewayGuard) {
            return maxStringLength == null ? gatewayGuard : gatewayGuard.withMaxStringLength(maxStringLength);
        }

        /**
         * False when the declaration says {@code blocking: false}: the route is a pure
         * transformation (no I/O, no locks, no waiting), so the call runs on the event loop that
         * read the request instead of hopping to worker threads and back. Every other tool, the
         * default, runs off the loop. A route declared so that does block stalls every connection
         * on that loop: the declaration is the route author's promise.
         */
        public boolean mayBlock() {
            return !Boolean.FALSE.equals(blocking);
        }

        public boolean returnsContent() {
            return "content".equalsIgnoreCase(result);
        }

        public Duration timeoutOr(Duration fallback) {
            if (timeout == null || timeout.isBlank()) {
                return fallback;
            }
            return timeout.startsWith("P") ? Duration.parse(timeout) : Duration.ofMillis(TimeUtils.toMilliSeconds(timeout));
        }
    }

    public record Resource(String uri, String uriTemplate, String name, String title, String description,
                           String mimeType, String route) {
        public boolean isTemplate() {
            return uriTemplate != null;
        }
    }

    public record Prompt(String name, String title, String description, List<PromptArgument> arguments, String route) {
        public Prompt {
            arguments = arguments == null ? List.of() : arguments;
        }
    }

    public record PromptArgument(String name, String title, String description, Boolean required) {
    }

    public record Completion(Map<String, String> ref, String route) {
    }
}
