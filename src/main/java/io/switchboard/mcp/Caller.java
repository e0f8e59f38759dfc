package io.switchboard.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.time.Duration;
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
        if (call.exchange().getClientCapabilities() == null || call.exchange().getClientCapabilities().sampling() == null) {
            throw new ToolException(ErrorCode.CLIENT_ERROR, "The client does not support sampling", List.of());
        }
        McpSchema.CreateMessageRequest request = McpSchema.CreateMessageRequest.builder()
                .messages(List.of(new McpSchema.SamplingMessage(McpSchema.Role.USER, new McpSchema.TextContent(prompt))))
                .maxTokens(maxTokens)
                .build();
        return mapper.convertValue(call.exchange().createMessage(request).block(clientTimeout), MAP);
    }

    /** Asks the client's user for input shaped by {@code requestedSchema}; answers {action, content}. */
    public Map<String, Object> elicit(Exchange exchange, String message, Object requestedSchema) {
        CallContext call = call(exchange);
        if (call.exchange().getClientCapabilities() == null || call.exchange().getClientCapabilities().elicitation() == null) {
            throw new ToolException(ErrorCode.CLIENT_ERROR, "The client does not support elicitation", List.of());
        }
        // The schema may come as a map or as JSON text (a YAML route's constant).
        Map<String, Object> schema = requestedSchema instanceof String json ? read(json) : mapper.convertValue(requestedSchema, MAP);
        McpSchema.ElicitRequest request = McpSchema.ElicitRequest.builder()
                .message(message)
                .requestedSchema(schema)
                .build();
        return mapper.convertValue(call.exchange().createElicitation(request).block(clientTimeout), MAP);
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

    private static CallContext call(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call == null) {
            throw new IllegalStateException("This route was not called by an MCP client");
        }
        return call;
    }
}
