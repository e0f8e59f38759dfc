package io.switchboard.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import java.util.Collection;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * How the systems push to MCP clients: to the subscribers of a resource, to one session, or as a
 * log line to every session whose logging level admits it. Fire and forget: a client that is gone
 * must never hold up the system that notifies.
 */
public final class Notifier {

    private final Supplier<Collection<McpEndpoint>> endpoints;

    Notifier(Supplier<Collection<McpEndpoint>> endpoints) {
        this.endpoints = endpoints;
    }

    /**
     * notifications/resources/updated to every session subscribed to {@code uri}, and to every
     * 2026-07-28 {@code subscriptions/listen} stream that named it.
     */
    public void resourceUpdated(String uri) {
        endpoints.get().forEach(e -> e.transport().resourceUpdatedToListeners(uri));
        Flux.fromIterable(endpoints.get())
                .flatMap(e -> e.server().notifyResourcesUpdated(new McpSchema.ResourcesUpdatedNotification(uri))
                        .onErrorResume(x -> Mono.empty()))
                .subscribe();
    }

    /** Whether an MCP session is open on any endpoint (it may still lack a listening stream). */
    public boolean isConnected(String sessionId) {
        return endpoints.get().stream().anyMatch(e -> e.transport().hasSession(sessionId));
    }

    /**
     * Whether a 2026-07-28 client listens for updates of {@code uri} on any endpoint: what "online"
     * means for state kept by handle, where no transport session exists.
     */
    public boolean isListening(String uri) {
        return endpoints.get().stream().anyMatch(e -> e.transport().hasListenerFor(uri));
    }

    /** A notification to one session, on whichever endpoint it lives. */
    public void toSession(String sessionId, String method, Object params) {
        Flux.fromIterable(endpoints.get())
                .flatMap(e -> e.transport().notifyClient(sessionId, method, params)
                        .onErrorResume(x -> Mono.empty()))
                .subscribe();
    }

    /** notifications/message to every session that wants this level. */
    public void log(McpSchema.LoggingLevel level, String logger, Object data) {
        McpSchema.LoggingMessageNotification n = McpSchema.LoggingMessageNotification.builder()
                .level(level).logger(logger).data(String.valueOf(data)).build();
        Flux.fromIterable(endpoints.get()).flatMap(e -> e.transport().logToAll(n)).subscribe();
    }
}
