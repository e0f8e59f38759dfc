package io.switchboard.mcp;

import java.time.Duration;

/** The knobs of the Streamable HTTP transport, from application.properties. */
public record TransportSettings(
        int maxBodyBytes,
        Duration sessionIdleTimeout,
        Duration keepAliveInterval,
        int replayBufferEvents,
        Duration replayRetention,
        long sseRetryMillis) {
}
