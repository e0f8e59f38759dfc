package io.switchboard.mcp;

import io.modelcontextprotocol.server.McpAsyncServerExchange;

/**
 * What a route needs to talk back to the client whose call it serves: the SDK exchange (logging,
 * progress, sampling, elicitation), the progress token the client sent, a way to close the
 * POST stream that carries the call, and — in the 2026-07-28 era only — the multi round-trip
 * {@link InputRound} that replaces server-initiated requests (null in the 2025 era).
 */
record CallContext(McpAsyncServerExchange exchange, Object progressToken, Runnable closeStream, InputRound round) {

    CallContext(McpAsyncServerExchange exchange, Object progressToken, Runnable closeStream) {
        this(exchange, progressToken, closeStream, null);
    }

    /** The exchange property under which a route's {@link org.apache.camel.Exchange} carries it. */
    static final String PROPERTY = "switchboard.mcpCall";
}
