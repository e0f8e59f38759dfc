package io.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.spec.McpSchema;
import io.switchboard.guard.AccessGuard;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The SDK's deserialisation boundary, checked before the SDK sees a request: params must have the
 * shape their method takes. The SDK converts params inside its handlers, where a conversion that
 * throws leaves the request unanswered or answers -32603 quoting Java types; here a malformed
 * request is answered -32602 in words a client can act on. An object argument sent as JSON text
 * (some clients do) is parsed here, which is a gateway rule.
 */
final class RequestParams {

    /** What the SDK would convert each method's params into. */
    private static final Map<String, Class<?>> TYPES = Map.of(
            McpSchema.METHOD_TOOLS_CALL, McpSchema.CallToolRequest.class,
            McpSchema.METHOD_RESOURCES_READ, McpSchema.ReadResourceRequest.class,
            McpSchema.METHOD_RESOURCES_SUBSCRIBE, McpSchema.SubscribeRequest.class,
            McpSchema.METHOD_RESOURCES_UNSUBSCRIBE, McpSchema.UnsubscribeRequest.class,
            McpSchema.METHOD_PROMPT_GET, McpSchema.GetPromptRequest.class,
            McpSchema.METHOD_COMPLETION_COMPLETE, McpSchema.CompleteRequest.class,
            McpSchema.METHOD_LOGGING_SET_LEVEL, McpSchema.SetLevelRequest.class);
    private static final Set<String> LEVELS = Set.of("debug", "info", "notice", "warning", "error", "critical",
            "alert", "emergency");
    /** A Java type or package name in a message: never for a client's eyes. */
    private static final Pattern JAVA_NAME = Pattern.compile(
            "\\b(java|javax|jdk|sun|io\\.switchboard|io\\.modelcontextprotocol|com\\.fasterxml|io\\.vertx|org\\.apache|reactor)\\.[a-z]"
                    + "|\\$[A-Z]|Exception\\b|\\bat [\\w.$]+\\(");

    /** Every method of the protocol: meter labels come from this list only ("other" for the rest). */
    private static final Set<String> KNOWN_METHODS = Set.of("initialize", "ping", "tools/list", "tools/call",
            "resources/list", "resources/read", "resources/templates/list", "resources/subscribe", "resources/unsubscribe",
            "prompts/list", "prompts/get", "completion/complete", "logging/setLevel", "notifications/initialized",
            "notifications/cancelled", "notifications/progress", "notifications/roots/list_changed", "server/discover",
            "subscriptions/listen", "GET", "GET-resume");

    private RequestParams() {
    }

    /** A request whose params the SDK cannot take; the message is for the client. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The params to hand to the SDK for {@code method} (JSON-text object arguments parsed), or
     * {@link Invalid} with what is wrong. Unknown methods pass: the SDK answers -32601 for them.
     */
    static JsonNode check(String method, JsonNode params, ObjectMapper mapper) throws Invalid {
        String m = AccessGuard.printable(method);
        boolean absent = params == null || params.isNull() || params.isMissingNode();
        if (!absent && !params.isObject()) {
            throw new Invalid("Invalid params for " + m + ": params must be an object");
        }
        Class<?> type = TYPES.get(method);
        if (type == null) {
            if (!absent && params.has("cursor") && !params.get("cursor").isNull() && !params.get("cursor").isTextual()) {
                throw new Invalid("Invalid params for " + m + ": cursor must be a string");
            }
            if (!absent && params.has("_meta") && !params.get("_meta").isObject() && !params.get("_meta").isNull()) {
                throw new Invalid("Invalid params for " + m + ": _meta must be an object");
            }
            return params;
        }
        if (absent) {
            throw new Invalid("Invalid params for " + m + ": params are required");
        }
        ObjectNode p = ((ObjectNode) params).deepCopy();
        switch (method) {
            case McpSchema.METHOD_TOOLS_CALL, McpSchema.METHOD_PROMPT_GET -> {
                text(p, "name", m);
                objectOrJsonText(p, "arguments", m, mapper);
            }
            case McpSchema.METHOD_RESOURCES_READ, McpSchema.METHOD_RESOURCES_SUBSCRIBE,
                 McpSchema.METHOD_RESOURCES_UNSUBSCRIBE -> text(p, "uri", m);
            case McpSchema.METHOD_LOGGING_SET_LEVEL -> {
                text(p, "level", m);
                if (!LEVELS.contains(p.get("level").asText())) {
                    throw new Invalid("Invalid params for " + m + ": level must be one of " + String.join(", ",
                            LEVELS.stream().sorted().toList()));
                }
            }
            case McpSchema.METHOD_COMPLETION_COMPLETE -> {
                JsonNode ref = p.get("ref");
                if (ref == null || !ref.isObject() || !ref.path("type").isTextual()) {
                    throw new Invalid("Invalid params for " + m + ": ref must be an object with a type");
                }
                String refType = ref.get("type").asText();
                if ("ref/prompt".equals(refType)) {
                    text((ObjectNode) ref, "name", m);
                } else if ("ref/resource".equals(refType)) {
                    text((ObjectNode) ref, "uri", m);
                } else {
                    throw new Invalid("Invalid params for " + m + ": ref.type must be ref/prompt or ref/resource");
                }
                JsonNode argument = p.get("argument");
                if (argument == null || !argument.isObject() || !argument.path("name").isTextual()
                        || !(argument.path("value").isTextual() || argument.path("value").isMissingNode()
                        || argument.path("value").isNull())) {
                    throw new Invalid("Invalid params for " + m + ": argument must be an object with a name and a string value");
                }
                JsonNode context = p.get("context");
                if (context != null && !context.isNull() && !(context.isObject()
                        && (context.path("arguments").isMissingNode() || context.path("arguments").isNull()
                        || context.path("arguments").isObject()))) {
                    throw new Invalid("Invalid params for " + m + ": context must be an object of arguments");
                }
            }
            default -> {
            }
        }
        JsonNode meta = p.get("_meta");
        if (meta != null && !meta.isNull() && !meta.isObject()) {
            throw new Invalid("Invalid params for " + m + ": _meta must be an object");
        }
        try {
            mapper.treeToValue(p, type);
        } catch (JsonMappingException e) {
            throw new Invalid("Invalid params for " + m + where(e));
        } catch (Exception e) {
            throw new Invalid("Invalid params for " + m);
        }
        return p;
    }

    /** An error message from the SDK, unless it names Java types: then the plain meaning of its code. */
    static String clientSafe(int code, String message) {
        if (message != null && !message.isBlank() && !JAVA_NAME.matcher(message).find()) {
            return message;
        }
        return switch (code) {
            case McpSchema.ErrorCodes.INVALID_PARAMS -> "Invalid params";
            case McpSchema.ErrorCodes.METHOD_NOT_FOUND -> "Method not found";
            case McpSchema.ErrorCodes.INVALID_REQUEST -> "Invalid request";
            case McpSchema.ErrorCodes.PARSE_ERROR -> "Parse error";
            default -> "Internal error";
        };
    }

    /** A meter label for a method a client named: a client cannot mint labels. */
    static String methodLabel(String method) {
        return method != null && KNOWN_METHODS.contains(method) ? method : "other";
    }

    /** The SDK's response with its error message made {@link #clientSafe}. */
    static McpSchema.JSONRPCResponse clientSafe(McpSchema.JSONRPCResponse r) {
        McpSchema.JSONRPCResponse.JSONRPCError e = r.error();
        if (e == null) {
            return r;
        }
        // SEP-2164: an unknown resource is invalid params (-32002 was the older spec's code).
        int original = e.code() == null ? McpSchema.ErrorCodes.INTERNAL_ERROR : e.code();
        int code = original == McpSchema.ErrorCodes.RESOURCE_NOT_FOUND ? McpSchema.ErrorCodes.INVALID_PARAMS : original;
        String safe = clientSafe(code, e.message());
        if (safe.equals(e.message()) && code == original) {
            return r;
        }
        return new McpSchema.JSONRPCResponse(r.jsonrpc(), r.id(), null, new McpSchema.JSONRPCResponse.JSONRPCError(code, safe,
                safe.equals(e.message()) ? e.data() : null));
    }

    private static void text(ObjectNode p, String field, String method) throws Invalid {
        JsonNode v = p.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new Invalid("Invalid params for " + method + ": " + field + " must be a non-empty string");
        }
    }

    private static void objectOrJsonText(ObjectNode p, String field, String method, ObjectMapper mapper) throws Invalid {
        JsonNode v = p.get(field);
        if (v == null || v.isNull() || v.isObject()) {
            return;
        }
        if (v.isTextual()) {
            JsonNode parsed;
            try {
                parsed = mapper.readTree(v.asText());
            } catch (Exception e) {
                parsed = null;
            }
            if (parsed != null && parsed.isObject()) {
                p.set(field, parsed);
                return;
            }
        }
        throw new Invalid("Invalid params for " + method + ": " + field + " must be an object (or an object as JSON text)");
    }

    /** The JSON path of a conversion failure, in field names only. */
    private static String where(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(AccessGuard.printable(r.getFieldName()));
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "" : ": " + path + " has the wrong type";
    }
}
