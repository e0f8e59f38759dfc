package io.switchboard.bench.peer;

import io.quarkiverse.mcp.server.TextContent;
import io.quarkiverse.mcp.server.Tool;
import io.quarkiverse.mcp.server.ToolArg;
import io.quarkiverse.mcp.server.ToolResponse;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.json.Json;
import java.util.List;
import java.util.Map;

/**
 * The gateway benchmark's echo tool on the default server (/mcp), marked {@code @NonBlocking}:
 * Quarkus runs it on the Vert.x event loop that read the request, with no thread hop.
 */
public class EchoTools {

    @Tool(name = "echo", description = "Answers its arguments.")
    @NonBlocking
    public ToolResponse echo(@ToolArg(description = "Any text") String text) {
        return result(text);
    }

    /** The result Switchboard gives: the arguments as structuredContent and as JSON text (Jackson, through Vert.x). */
    static ToolResponse result(String text) {
        Map<String, Object> args = Map.of("text", text);
        return new ToolResponse(false, List.of(new TextContent(Json.encode(args))), args, null);
    }
}
