package io.switchboard.mcp;

import reactor.core.publisher.Mono;

/**
 * Whether a client may watch a resource (resources/subscribe, or a 2026-07-28
 * subscriptions/listen naming it): only if it may read it. A watched resource's updates say when
 * it changed, which for another identity's broker inbox is already too much; the gateway answers
 * by reading the resource through its route as that client, so a refusal is exactly
 * resources/read's refusal (an McpError, -32602 for permission_denied).
 */
@FunctionalInterface
interface ResourceWatchGate {

    ResourceWatchGate OPEN = (uri, client) -> Mono.empty();

    /** Completes empty when {@code client} may watch {@code uri}; errors with the McpError to answer otherwise. */
    Mono<Void> check(String uri, String client);
}
