package io.switchboard.bench.peer;

import io.quarkiverse.mcp.server.McpServer;
import io.quarkiverse.mcp.server.Tool;
import io.quarkiverse.mcp.server.ToolArg;
import io.quarkiverse.mcp.server.ToolResponse;

/**
 * The same echo tool on the "worker" server (/worker/mcp) without {@code @NonBlocking}: a
 * synchronous tool method, which Quarkus runs on a worker thread (its default), as Switchboard
 * runs a route off the event loop unless its declaration says {@code blocking: false}.
 */
@McpServer("worker")
public class WorkerEchoTools {

    @Tool(name = "echo", description = "Answers its arguments.")
    public ToolResponse echo(@ToolArg(description = "Any text") String text) {
        return EchoTools.result(text);
    }
}
