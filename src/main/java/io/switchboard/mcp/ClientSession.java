package io.switchboard.mcp;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.vertx.core.http.HttpServerResponse;
import java.util.Collection;

/**
 * One MCP client's session on one endpoint: the SDK's session plus what the HTTP transport keeps
 * for it — the negotiated protocol version, its SSE streams (kept a while after they end so a
 * client can still resume them) and its listening stream.
 */
final class ClientSession {

    static final String SESSION_HEADER = "Mcp-Session-Id";

    private final McpStreamableServerSession session;
    private final TransportSettings settings;
    private final Runnable onActivity;
    private final Cache<String, SseStream> streams;
    private final java.util.concurrent.atomic.AtomicLong streamIds = new java.util.concurrent.atomic.AtomicLong();
    private volatile String protocolVersion;
    private volatile SseStream listening;
    private final String client;
    private final java.util.concurrent.atomic.AtomicInteger requestsInFlight = new java.util.concurrent.atomic.AtomicInteger();

    ClientSession(McpStreamableServerSession session, String protocolVersion, TransportSettings settings,
                  Runnable onActivity, String client) {
        this.session = session;
        this.client = client;
        this.protocolVersion = protocolVersion;
        this.settings = settings;
        this.onActivity = onActivity;
        this.streams = Caffeine.newBuilder().expireAfterAccess(settings.replayRetention()).build();
    }

    String id() {
        return session.getId();
    }

    /** Stream ids only need to be unique within their session: the session id is the secret. */
    String nextStreamId() {
        return "s" + streamIds.incrementAndGet();
    }

    McpStreamableServerSession sdkSession() {
        return session;
    }

    String protocolVersion() {
        return protocolVersion;
    }

    void protocolVersion(String negotiated) {
        this.protocolVersion = negotiated;
    }

    /** Who opened it (AccessGuard.clientKey): limits count sessions per client. */
    String client() {
        return client;
    }

    /** Takes one of the session's {@code max} concurrent request streams (0: unlimited); false when all are taken. */
    boolean startRequest(int max) {
        if (requestsInFlight.incrementAndGet() > max && max > 0) {
            requestsInFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    void endRequest() {
        requestsInFlight.decrementAndGet();
    }

    void touch() {
        onActivity.run();
    }

    void register(SseStream stream) {
        streams.put(stream.id(), stream);
        if (stream.kind() == SseStream.Kind.LISTENING) {
            listening = stream;
        }
    }

    SseStream stream(String streamId) {
        return streams.getIfPresent(streamId);
    }

    SseStream listening() {
        return listening;
    }

    Collection<SseStream> streams() {
        return streams.asMap().values();
    }

    long openConnections() {
        return streams.asMap().values().stream().filter(SseStream::isAttached).count();
    }

    void putSessionHeader(HttpServerResponse response) {
        response.putHeader(SESSION_HEADER, session.getId());
    }

    /** Priming events (an id, no data) are defined from 2025-11-25 on; older clients may choke on them. */
    boolean wantsPrimingEvents() {
        String v = protocolVersion;
        return v != null && v.compareTo("2025-11-25") >= 0;
    }

    long sseRetryMillis() {
        return settings.sseRetryMillis();
    }

    void closeAll() {
        streams.asMap().values().forEach(SseStream::close);
        streams.invalidateAll();
    }
}
