package io.switchboard.mcp;

/**
 * What one client can make the transport hold, from application.properties; 0 switches a limit
 * off. Over a limit a client is answered at once (429 for its own share, 503 for the server's),
 * never with a 500, and the server keeps serving everyone else.
 *
 * @param maxSessions           live MCP sessions on one endpoint, all clients together
 * @param maxSessionsPerClient  live MCP sessions per client (token fingerprint, or address without tokens)
 * @param maxStreamsPerSession  requests answered at once on one session (each may hold an SSE stream)
 * @param inlineBodyBytes       bodies up to this size are parsed on the event loop, larger ones on a worker
 * @param requestWorkers        worker threads that parse, guard, validate and start requests
 * @param requestQueue          requests waiting for a worker; a full queue is answered 503
 * @param maxListenersPerClient open 2026-07-28 subscriptions/listen streams per client (429 over it)
 */
public record TransportLimits(int maxSessions, int maxSessionsPerClient, int maxStreamsPerSession,
                              int inlineBodyBytes, int requestWorkers, int requestQueue, int maxListenersPerClient) {

    /** Generous defaults for a single host. */
    public static TransportLimits defaults() {
        return new TransportLimits(1000, 100, 32, 16 * 1024, 4, 256, 16);
    }
}
