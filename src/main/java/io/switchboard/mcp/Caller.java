package io.switchboard.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * The {@code mcp} bean: what a tool route can do with the client that called it — report
 * progress, log, ask it to sample an LLM or to elicit input from its user, close its stream —
 * and what any route can do for subscribers ({@link #resourceUpdated}). Routes run on worker
 * threads, so waiting here for the client's answer blocks no event loop.
 */
public final class Caller {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final Notifier notifier;
    private final ObjectMapper mapper;
    private final Duration clientTimeout;

    public Caller(Notifier notifier, ObjectMapper mapper, Duration clientTimeout) {
        this.notifier = notifier;
        this.mapper = mapper;
        this.clientTimeout = clientTimeout;
    }

    /** notifications/progress for the current call; a no-op when the client asked for none. */
    public void progress(Exchange exchange, double progress, Double total, String message) {
        CallContext call = call(exchange);
        if (call.progressToken() == null) {
            return;
        }
        call.exchange().progressNotification(
                new McpSchema.ProgressNotification(call.progressToken(), progress, total, message)).block(clientTimeout);
    }

    /** notifications/message to the caller, if its logging level lets it through. */
    public void log(Exchange exchange, String level, String data) {
        McpSchema.LoggingLevel lvl = McpSchema.LoggingLevel.valueOf(level.toUpperCase(Locale.ROOT));
        String logger = exchange.getMessage().getHeader(ToolHandler.TOOL_HEADER, String.class);
        call(exchange).exchange().loggingNotification(McpSchema.LoggingMessageNotification.builder()
                .level(lvl).logger(logger).data(data).build()).block(clientTimeout);
    }

    /** Asks the client's LLM to complete {@code prompt}; answers the CreateMessageResult as a map. */
    public Map<String, Object> sample(Exchange exchange, String prompt, int maxTokens) {
        CallContext call = call(exchange);
        return sample(exchange, call.round() == null ? null : call.round().nextKey("sample"), prompt, maxTokens);
    }

    /**
     * {@link #sample(Exchange, String, int)} with the key the 2026-07-28 era files the question
     * under in {@code inputRequests} (ignored in the 2025 era, where the client is asked at once).
     */
    public Map<String, Object> sample(Exchange exchange, String key, String prompt, int maxTokens) {
        CallContext call = call(exchange);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("messages", List.of(Map.of("role", "user", "content", Map.of("type", "text", "text", prompt))));
        params.put("maxTokens", maxTokens);
        if (call.round() != null) {
            return ask(call.round(), "sampling", key, "sampling/createMessage", params);
        }
        if (call.exchange().getClientCapabilities() == null || call.exchange().getClientCapabilities().sampling() == null) {
            throw new ToolException(ErrorCode.CLIENT_ERROR, "The client does not support sampling", List.of());
        }
        McpSchema.CreateMessageRequest request = mapper.convertValue(params, McpSchema.CreateMessageRequest.class);
        return mapper.convertValue(call.exchange().createMessage(request).block(clientTimeout), MAP);
    }

    /** Asks the client's user for input shaped by {@code requestedSchema}; answers {action, content}. */
    public Map<String, Object> elicit(Exchange exchange, String message, Object requestedSchema) {
        CallContext call = call(exchange);
        return elicit(exchange, call.round() == null ? null : call.round().nextKey("elicit"), message, requestedSchema);
    }

    /** {@link #elicit(Exchange, String, Object)} under a key of the route's choosing (2026-07-28). */
    public Map<String, Object> elicit(Exchange exchange, String key, String message, Object requestedSchema) {
        CallContext call = call(exchange);
        // The schema may come as a map or as JSON text (a YAML route's constant).
        Map<String, Object> schema = requestedSchema instanceof String json ? read(json) : mapper.convertValue(requestedSchema, MAP);
        if (call.round() != null) {
            return ask(call.round(), "elicitation", key, "elicitation/create",
                    Map.of("mode", "form", "message", message, "requestedSchema", schema));
        }
        if (call.exchange().getClientCapabilities() == null || call.exchange().getClientCapabilities().elicitation() == null) {
            throw new ToolException(ErrorCode.CLIENT_ERROR, "The client does not support elicitation", List.of());
        }
        McpSchema.ElicitRequest request = McpSchema.ElicitRequest.builder()
                .message(message)
                .requestedSchema(schema)
                .build();
        return mapper.convertValue(call.exchange().createElicitation(request).block(clientTimeout), MAP);
    }

    /** The client's roots ({@code {roots: [{uri, name}]}}), asked under {@code key} in the 2026-07-28 era. */
    public Map<String, Object> listRoots(Exchange exchange, String key) {
        CallContext call = call(exchange);
        if (call.round() != null) {
            return ask(call.round(), "roots", key, "roots/list", Map.of());
        }
        if (call.exchange().getClientCapabilities() == null || call.exchange().getClientCapabilities().roots() == null) {
            throw new ToolException(ErrorCode.CLIENT_ERROR, "The client does not support roots", List.of());
        }
        return mapper.convertValue(call.exchange().listRoots().block(clientTimeout), MAP);
    }

    /**
     * Several questions at once (key → {method, params}; methods elicitation/create,
     * sampling/createMessage, roots/list); answers key → the client's result. In the 2026-07-28 era
     * the client gets all unanswered ones in one {@code input_required}; in the 2025 era they are
     * asked one after the other.
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> inputs(Exchange exchange, Object requests) {
        CallContext call = call(exchange);
        Map<String, Object> wanted = requests instanceof String json ? read(json) : mapper.convertValue(requests, MAP);
        Map<String, Object> answers = new LinkedHashMap<>();
        Map<String, Object> missing = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : wanted.entrySet()) {
            Map<String, Object> request = mapper.convertValue(e.getValue(), MAP);
            String method = String.valueOf(request.get("method"));
            Map<String, Object> params = request.get("params") == null ? Map.of() : mapper.convertValue(request.get("params"), MAP);
            String capability = switch (method) {
                case "elicitation/create" -> "elicitation";
                case "sampling/createMessage" -> "sampling";
                case "roots/list" -> "roots";
                default -> throw ToolException.validation("Unknown input request method " + method);
            };
            if (call.round() == null) {
                answers.put(e.getKey(), switch (capability) {
                    case "elicitation" -> elicit(exchange, e.getKey(), String.valueOf(params.get("message")), params.get("requestedSchema"));
                    case "sampling" -> mapper.convertValue(call.exchange().createMessage(
                            mapper.convertValue(params, McpSchema.CreateMessageRequest.class)).block(clientTimeout), MAP);
                    default -> listRoots(exchange, e.getKey());
                });
                continue;
            }
            if (!call.round().supports(capability)) {
                throw McpOutcome.missingCapability(capability);
            }
            Map<String, Object> answer = call.round().answer(e.getKey());
            if (answer == null) {
                missing.put(e.getKey(), Map.of("method", method, "params", params));
            } else {
                answers.put(e.getKey(), answer);
            }
        }
        if (!missing.isEmpty()) {
            throw call.round().inputRequired(missing);
        }
        return answers;
    }

    /** Whether the calling client declared {@code capability} (elicitation, sampling, roots). */
    public boolean supports(Exchange exchange, String capability) {
        CallContext call = call(exchange);
        if (call.round() != null) {
            return call.round().supports(capability);
        }
        McpSchema.ClientCapabilities caps = call.exchange().getClientCapabilities();
        return caps != null && switch (capability) {
            case "elicitation" -> caps.elicitation() != null;
            case "sampling" -> caps.sampling() != null;
            case "roots" -> caps.roots() != null;
            default -> false;
        };
    }

    /** 2026-07-28: the answer filed under {@code key}, or stop the route and ask the client for it. */
    private Map<String, Object> ask(InputRound round, String capability, String key, String method, Map<String, Object> params) {
        if (!round.supports(capability)) {
            throw McpOutcome.missingCapability(capability);
        }
        Map<String, Object> answer = round.answer(key);
        if (answer != null) {
            return answer;
        }
        throw round.inputRequired(Map.of(key, Map.of("method", method, "params", params)));
    }

    private Map<String, Object> read(String json) {
        try {
            return mapper.readValue(json, MAP);
        } catch (Exception e) {
            throw ToolException.validation("requestedSchema is not a JSON object");
        }
    }

    /** Ends the HTTP response carrying this call; the client resumes the stream with Last-Event-ID. */
    public void closeStream(Exchange exchange) {
        call(exchange).closeStream().run();
    }

    /** notifications/resources/updated to every session subscribed to {@code uri}, on every endpoint. */
    public void resourceUpdated(String uri) {
        notifier.resourceUpdated(uri);
    }

    static CallContext call(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call == null) {
            throw new IllegalStateException("This route was not called by an MCP client");
        }
        return call;
    }
}
