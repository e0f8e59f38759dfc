package io.switchboard.mcp;

import java.util.Map;

/**
 * What a 2026-07-28 (stateless) request declares about itself in {@code params}: the client's
 * capabilities and log level from {@code _meta}, and the multi round-trip fields of a retry. The
 * transport puts it in the Reactor context; handlers read it there. Absent in the 2025 era.
 *
 * @param inputResponses null when the request carried no {@code inputResponses} field
 * @param inputResponsesNull true when the field was present but JSON null (a protocol error)
 */
record StatelessCall(String method, Map<String, Object> clientCapabilities, String logLevel,
                     Map<String, Object> inputResponses, boolean inputResponsesNull, Object malformedResponses,
                     String requestState) {
}
