package io.switchboard.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.switchboard.guard.ArgumentGuard;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ErrorEnvelope;
import io.switchboard.observe.McpMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * One tool call, start to finish: arguments coerced (an object argument may arrive as a JSON
 * string), guarded, validated against the tool's schema, then the tool's route runs off the event
 * loop under a timeout (or, declared {@code blocking: false}, in place); its body becomes structured
 * content, any failure an error envelope.
 */
final class ToolHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ToolHandler.class);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };
    static final String TOOL_HEADER = "McpToolName";
    static final String SESSION_HEADER = "McpSessionId";
    /** Who calls, as the AccessGuard identified it ("token:<fingerprint>" or "addr:<ip>"): what owns handles. */
    static final String CLIENT_HEADER = "SwitchboardClient";

    private final Declarations.Tool tool;
    private final Endpoint endpoint;
    private final Schema inputSchema;
    private final Duration timeout;
    private final ObjectMapper mapper;
    private final ArgumentGuard guard;
    private final RouteInvoker invoker;
    private final McpMetrics metrics;
    private final StreamCloser streamCloser;
    private final RequestStates states;

    /** Closes the POST stream a call runs on (the endpoint's transport knows it). */
    interface StreamCloser {
        boolean close(StreamableHttpTransport.StreamKey key);
    }

    ToolHandler(Declarations.Tool tool, Endpoint endpoint, Schema inputSchema, Duration timeout, ObjectMapper mapper,
                ArgumentGuard guard, RouteInvoker invoker, McpMetrics metrics, StreamCloser streamCloser,
                RequestStates states) {
        this.tool = tool;
        this.endpoint = endpoint;
        this.inputSchema = inputSchema;
        this.timeout = timeout;
        this.mapper = mapper;
        this.guard = guard;
        this.invoker = invoker;
        this.metrics = metrics;
        this.streamCloser = streamCloser;
        this.states = states;
    }

    Mono<McpSchema.CallToolResult> call(McpAsyncServerExchange exchange, McpSchema.CallToolRequest request) {
        return Mono.deferContextual(reactorContext -> {
            long started = System.nanoTime();
            Map<String, Object> args = coerce(request.arguments());
            Optional<String> violation = guard.check(args).or(() -> validate(args));
            if (violation.isPresent()) {
                return Mono.just(finish(started, ErrorEnvelope.of(ErrorCode.VALIDATION_ERROR, violation.get(), tool.name(),
                        List.of("Check the arguments against the tool's input schema"), UUID.randomUUID().toString())));
            }
            StreamableHttpTransport.StreamKey key = reactorContext.getOrDefault(StreamableHttpTransport.StreamKey.class, null);
            StatelessCall stateless = reactorContext.getOrDefault(StatelessCall.class, null);
            InputRound round = null;
            if (stateless != null) {
                try {
                    round = InputRound.open(stateless, request.name(), states);
                } catch (McpOutcome outcome) {
                    return Mono.just(outcome(outcome, started));
                }
            }
            CallContext call = new CallContext(exchange, request.progressToken(),
                    () -> { if (key != null) { streamCloser.close(key); } }, round);
            // 2026-07-28 has no transport session: state lives in handles passed as arguments.
            Map<String, Object> headers = new HashMap<>(stateless != null ? Map.of(TOOL_HEADER, tool.name())
                    : Map.of(TOOL_HEADER, tool.name(), SESSION_HEADER, exchange.sessionId()));
            headers.put(CLIENT_HEADER, client(reactorContext));
            Mono<Exchange> route = tool.mayBlock() ? invoker.call(endpoint, args, headers, call, timeout)
                    : invoker.callInPlace(endpoint, args, headers, call);
            return route
                    .map(ex -> toResult(ex, started))
                    .onErrorResume(e -> Mono.just(failure(e, started)));
        });
    }

    /** The caller's identity both transports put in the Reactor context (McpTransportContext "client"). */
    static String client(ContextView reactorContext) {
        McpTransportContext transport = reactorContext.getOrDefault(McpTransportContext.KEY, null);
        Object client = transport == null ? null : transport.get("client");
        return client == null ? "" : client.toString();
    }

    private Map<String, Object> coerce(Map<String, Object> arguments) {
        Map<String, Object> args = arguments == null ? new LinkedHashMap<>() : new LinkedHashMap<>(arguments);
        Object props = tool.inputSchema() == null ? null : tool.inputSchema().get("properties");
        if (props instanceof Map<?, ?> properties) {
            for (Map.Entry<String, Object> e : args.entrySet()) {
                if (e.getValue() instanceof String s && properties.get(e.getKey()) instanceof Map<?, ?> p) {
                    Object type = p.get("type");
                    boolean wantsStructure = "object".equals(type) || "array".equals(type);
                    String trimmed = s.trim();
                    if (wantsStructure && (trimmed.startsWith("{") || trimmed.startsWith("["))) {
                        try {
                            e.setValue(mapper.readValue(trimmed, Object.class));
                        } catch (Exception ignored) {
                            // Left as a string: schema validation reports the wrong type.
                        }
                    }
                }
            }
        }
        return args;
    }

    private Optional<String> validate(Map<String, Object> args) {
        if (inputSchema == null) {
            return Optional.empty();
        }
        JsonNode node = mapper.valueToTree(args);
        List<Error> errors = inputSchema.validate(node);
        if (errors.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder("Invalid arguments: ");
        for (int i = 0; i < Math.min(errors.size(), 5); i++) {
            if (i > 0) {
                sb.append("; ");
            }
            Error error = errors.get(i);
            sb.append(argumentPath(String.valueOf(error.getInstanceLocation()))).append(": ").append(error.getMessage());
        }
        return Optional.of(sb.toString());
    }

    /**
     * The schema's instance location ("/task_input/tags/0") written as the guard writes paths
     * ("$.task_input.tags[0]"): the client sees which argument is wrong, and the error sanitiser
     * does not mistake the location for a file path and redact it.
     */
    static String argumentPath(String pointer) {
        StringBuilder path = new StringBuilder("$");
        for (String segment : pointer.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            String name = segment.replace("~1", "/").replace("~0", "~");
            if (name.chars().allMatch(Character::isDigit)) {
                path.append('[').append(name).append(']');
            } else {
                path.append('.').append(name);
            }
        }
        return path.toString();
    }

    private McpSchema.CallToolResult toResult(Exchange ex, long started) {
        McpOutcome outcome = McpOutcome.in(ex.getException());
        if (outcome != null) {
            return outcome(outcome, started);
        }
        if (ex.getException() != null) {
            return failure(ex.getException(), started);
        }
        Object body = ex.getMessage().getBody();
        if (tool.returnsContent()) {
            McpSchema.CallToolResult result;
            if (body instanceof McpSchema.CallToolResult r) {
                result = r;
            } else if (body instanceof String s && !s.trim().startsWith("{")) {
                // Plain text: one text content block.
                result = McpSchema.CallToolResult.builder().addTextContent(s).isError(false).build();
            } else {
                result = mapper.convertValue(body instanceof String s ? readTree(s) : body, McpSchema.CallToolResult.class);
            }
            metrics.toolCall(tool.name(), System.nanoTime() - started, Boolean.TRUE.equals(result.isError()) ? "tool_error" : null);
            return result;
        }
        Map<String, Object> structured = structured(body);
        metrics.toolCall(tool.name(), System.nanoTime() - started, null);
        return McpSchema.CallToolResult.builder()
                .structuredContent(structured)
                .addTextContent(write(structured))
                .isError(false)
                .build();
    }

    /** A 2026-07-28 input_required or protocol error, carried to the transport in _meta. */
    private McpSchema.CallToolResult outcome(McpOutcome outcome, long started) {
        metrics.toolCall(tool.name(), System.nanoTime() - started, null);
        return McpSchema.CallToolResult.builder().content(List.of()).meta(outcome.toMeta()).build();
    }

    private McpSchema.CallToolResult failure(Throwable e, long started) {
        McpOutcome outcome = McpOutcome.in(e);
        if (outcome != null) {
            return outcome(outcome, started);
        }
        String correlationId = UUID.randomUUID().toString();
        ErrorEnvelope envelope = ErrorEnvelope.fromThrowable(e, tool.name(), correlationId);
        if (envelope.code() == ErrorCode.INTERNAL_ERROR) {
            LOG.warn("Tool {} failed [{}]", tool.name(), correlationId, e);
        } else {
            LOG.info("Tool {} answered {} [{}]: {}", tool.name(), envelope.code().code(), correlationId, e.toString());
        }
        return finish(started, envelope);
    }

    private McpSchema.CallToolResult finish(long started, ErrorEnvelope envelope) {
        metrics.toolCall(tool.name(), System.nanoTime() - started, envelope.code().code());
        Map<String, Object> body = envelope.toMap();
        return McpSchema.CallToolResult.builder()
                .structuredContent(body)
                .addTextContent(write(body))
                .isError(true)
                .build();
    }

    /** Structured content must be a JSON object: objects pass, anything else is wrapped as {result}. */
    private Map<String, Object> structured(Object body) {
        if (body == null) {
            return new LinkedHashMap<>();
        }
        Object value = body instanceof String s ? readTree(s) : body;
        if (value instanceof Map<?, ?> map && isPlainJson(map)) {
            // Already what JSON reads back (string keys; strings, numbers, booleans, lists, maps):
            // a copy, not a round trip through Jackson's token buffer for every call.
            @SuppressWarnings("unchecked")
            Map<String, Object> plain = new LinkedHashMap<>((Map<String, Object>) map);
            return plain;
        }
        if (value instanceof Map || (value != null && !(value instanceof JsonNode) && !(value instanceof Iterable)
                && !(value instanceof CharSequence) && !(value instanceof Number) && !(value instanceof Boolean)
                && !value.getClass().isArray())) {
            return mapper.convertValue(value, MAP);
        }
        if (value instanceof JsonNode n && n.isObject()) {
            return mapper.convertValue(n, MAP);
        }
        Map<String, Object> wrapped = new LinkedHashMap<>();
        wrapped.put("result", value instanceof JsonNode n ? mapper.convertValue(n, Object.class) : value);
        return wrapped;
    }

    /** Whether {@code value} serialises as itself: JSON's own types only, maps keyed by strings. */
    static boolean isPlainJson(Object value) {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Integer
                || value instanceof Long || value instanceof Double) {
            return true;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String) || !isPlainJson(e.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (value instanceof List<?> list) {
            for (Object item : list) {
                if (!isPlainJson(item)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private Object readTree(String s) {
        String t = s.trim();
        if (t.startsWith("{") || t.startsWith("[")) {
            try {
                return mapper.readTree(t);
            } catch (Exception e) {
                return s;
            }
        }
        return s;
    }

    private String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (Exception e) {
            return "{}";
        }
    }
}
