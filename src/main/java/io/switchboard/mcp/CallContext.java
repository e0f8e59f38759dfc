package io.switchboard.mcp;

import io.modelcontextprotocol.server.McpAsyncServerExchange;

/**
 * What a route needs to talk back to the client whose call it serves: the SDK exchange (logging,
 * progress, sampling, elicitation), the progress token the client sent, and a way to close the
 * POST stream that carries the call.
 */
record CallContext(McpAsyncServerExchange exchange, Object progressToken, Runnable closeStream) {

    /** The exchange property under which a route's {@link org.apache.camel.Exchange} carries it. */
    static final String PROPERTY = "switchboard.mcpCall";
}
