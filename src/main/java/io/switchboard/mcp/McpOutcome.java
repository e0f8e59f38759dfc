package io.switchboard.mcp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a route ends a 2026-07-28 request other than with a result: it needs input first
 * ({@code input_required}), or the request fails with a protocol error (a JSON-RPC error such
 * as -32021 MissingRequiredClientCapability). Thrown by the {@code mcp} bean inside a route, then
 * carried through the SDK in the result's {@code _meta} under {@link #META_KEY}, where the
 * transport turns it into what goes on the wire. Never reaches a 2025 client.
 */
final class McpOutcome extends RuntimeException {

    static final String META_KEY = "io.switchboard/outcome";
    static final int INVALID_PARAMS = -32602;
    static final int MISSING_REQUIRED_CLIENT_CAPABILITY = -32021;

    private final Map<String, Object> inputRequests;
    private final String requestState;
    private final int code;
    private final Object data;

    private McpOutcome(String message, Map<String, Object> inputRequests, String requestState, int code, Object data) {
        super(message, null, false, false);
        this.inputRequests = inputRequests;
        this.requestState = requestState;
        this.code = code;
        this.data = data;
    }

    static McpOutcome inputRequired(Map<String, Object> inputRequests, String requestState) {
        return new McpOutcome("input required", inputRequests, requestState, 0, null);
    }

    static McpOutcome error(int code, String message, Object data) {
        return new McpOutcome(message, null, null, code, data);
    }

    static McpOutcome missingCapability(String capability) {
        return error(MISSING_REQUIRED_CLIENT_CAPABILITY, "The client did not declare the " + capability + " capability",
                Map.of("requiredCapabilities", Map.of(capability, Map.of())));
    }

    /** The {@code _meta} a result carries to the transport. */
    Map<String, Object> toMeta() {
        Map<String, Object> outcome = new LinkedHashMap<>();
        if (inputRequests != null) {
            outcome.put("inputRequests", inputRequests);
            outcome.put("requestState", requestState);
        } else {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", code);
            error.put("message", getMessage());
            if (data != null) {
                error.put("data", data);
            }
            outcome.put("error", error);
        }
        return Map.of(META_KEY, outcome);
    }

    /** The outcome somewhere in a route's exception chain, if any. */
    static McpOutcome in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof McpOutcome o) {
                return o;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
