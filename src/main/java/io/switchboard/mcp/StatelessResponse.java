package io.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The answer to one 2026-07-28 request, as the SDK session writes it: plain JSON when the result
 * is the only message, SSE when request-scoped notifications (progress, log lines the client asked
 * for with {@code io.modelcontextprotocol/logLevel}) come first. No event ids, no replay: this
 * revision has no resumability. The final message is rewritten into the revision's shape by
 * {@link StatelessEra#finish} (resultType, serverInfo, cache hints, input_required, error codes).
 */
final class StatelessResponse implements McpStreamableServerTransport {

    private static final Logger LOG = LoggerFactory.getLogger(StatelessResponse.class);

    private final StatelessEra era;
    private final ObjectMapper mapper;
    private final McpJsonMapper jsonMapper;
    private final Context context;
    private final HttpServerResponse response;
    private final String method;
    private final JsonNode params;
    /** The least severe level the client asked for; null: it asked for no log lines at all. */
    private final McpSchema.LoggingLevel logLevel;
    private boolean sse;
    private boolean done;

    StatelessResponse(StatelessEra era, ObjectMapper mapper, McpJsonMapper jsonMapper, Context context,
                      HttpServerResponse response, String method, JsonNode params, String logLevel) {
        this.era = era;
        this.mapper = mapper;
        this.jsonMapper = jsonMapper;
        this.context = context;
        this.response = response;
        this.method = method;
        this.params = params;
        this.logLevel = level(logLevel);
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        if (message instanceof McpSchema.JSONRPCResponse r) {
            return finish(r);
        }
        return sendMessage(message, null);
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
        if (message instanceof McpSchema.JSONRPCResponse r) {
            return finish(r);
        }
        if (message instanceof McpSchema.JSONRPCRequest r) {
            // Server-initiated requests do not exist in this revision (multi round-trip replaces them).
            LOG.warn("Dropped a server-to-client {} on a 2026-07-28 response stream", r.method());
            return Mono.empty();
        }
        if (message instanceof McpSchema.JSONRPCNotification n && McpSchema.METHOD_NOTIFICATION_MESSAGE.equals(n.method())
                && !logWanted(n.params())) {
            return Mono.empty();
        }
        return write(message, false, 200);
    }

    private Mono<Void> finish(McpSchema.JSONRPCResponse r) {
        StatelessEra.Reply reply = era.finish(mapper.valueToTree(RequestParams.clientSafe(r)), method, params);
        return write(reply.body(), true, reply.status());
    }

    private Mono<Void> write(Object message, boolean last, int status) {
        return Mono.create(sink -> {
            String json;
            try {
                json = message instanceof ObjectNode o ? mapper.writeValueAsString(o) : jsonMapper.writeValueAsString(message);
            } catch (Exception e) {
                sink.error(e);
                return;
            }
            boolean asJson;
            synchronized (this) {
                if (done) {
                    sink.success();
                    return;
                }
                asJson = last && !sse;
                if (!last) {
                    sse = true;
                }
                done = last;
            }
            context.runOnContext(v -> {
                if (response.closed() || response.ended()) {
                    sink.success();
                    return;
                }
                if (asJson) {
                    response.setStatusCode(status).putHeader("Content-Type", "application/json");
                    response.end(json).onComplete(ar -> sink.success());
                    return;
                }
                StatelessEra.sseHeaders(response);
                response.write("event: message\ndata: " + json + "\n\n").onComplete(ar -> sink.success());
                if (last) {
                    response.end();
                }
            });
        });
    }

    private boolean logWanted(Object params) {
        if (logLevel == null) {
            return false;
        }
        McpSchema.LoggingLevel level = params instanceof McpSchema.LoggingMessageNotification n ? n.level()
                : level(mapper.valueToTree(params).path("level").asText(null));
        return level != null && level.level() >= logLevel.level();
    }

    static McpSchema.LoggingLevel level(String name) {
        if (name == null) {
            return null;
        }
        try {
            return McpSchema.LoggingLevel.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(this::close);
    }

    @Override
    public void close() {
        boolean end;
        synchronized (this) {
            end = !done && sse;
            done = true;
        }
        if (end) {
            context.runOnContext(v -> {
                if (!response.closed() && !response.ended()) {
                    response.end();
                }
            });
        }
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return jsonMapper.convertValue(data, typeRef);
    }
}
