package io.switchboard.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.ProtocolVersions;
import io.switchboard.guard.AccessGuard;
import io.switchboard.observe.McpMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * MCP 2026-07-28, the stateless revision, on one endpoint beside the 2025 era: no handshake and no
 * session; every request carries its protocol version and client capabilities in {@code _meta}
 * and is checked against the {@code MCP-Protocol-Version}, {@code Mcp-Method} and {@code Mcp-Name}
 * headers. {@code server/discover} and {@code subscriptions/listen} are answered here; every other
 * method runs through the same SDK handlers (and so the same tool, resource and prompt routes) as
 * the 2025 era, in a throwaway SDK session built from the request's {@code _meta}, and its result
 * is rewritten into this revision's shape ({@link #finish}).
 */
final class StatelessEra {

    private static final Logger LOG = LoggerFactory.getLogger(StatelessEra.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    static final String VERSION = "2026-07-28";
    static final String META_VERSION = "io.modelcontextprotocol/protocolVersion";
    static final String META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
    static final String META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
    static final String META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
    static final String META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
    /** Every version this server speaks, newest first; older ones through initialize. */
    static final List<String> SUPPORTED = List.of(VERSION, ProtocolVersions.MCP_2025_11_25, ProtocolVersions.MCP_2025_06_18,
            ProtocolVersions.MCP_2025_03_26, ProtocolVersions.MCP_2024_11_05);
    static final int HEADER_MISMATCH = -32020;
    static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;
    /** Answered by the SDK's handlers; the rest of the 2025 methods are gone in this revision. */
    private static final Set<String> SDK_METHODS = Set.of("tools/list", "tools/call", "resources/list", "resources/read",
            "resources/templates/list", "prompts/list", "prompts/get", "completion/complete");
    /** Lists change only when routes change, which listeners hear about at once. */
    private static final long LIST_TTL_MS = 60_000;
    private static final Set<String> LISTS = Set.of("tools/list", "resources/list", "resources/templates/list", "prompts/list");
    private static final Set<String> NAMED = Set.of("tools/call", "prompts/get", "resources/read");

    private final String endpoint;
    private final ObjectMapper mapper;
    private final McpJsonMapper jsonMapper;
    private final McpMetrics metrics;
    private final Supplier<McpStreamableServerSession.Factory> sessions;
    private final Subscriptions subscriptions;
    private final Map<String, Object> serverInfo;
    private final Map<String, Object> capabilities;
    private final String instructions;
    private volatile int maxListenersPerClient;
    private volatile ResourceWatchGate watchGate = ResourceWatchGate.OPEN;

    StatelessEra(String endpoint, ObjectMapper mapper, McpJsonMapper jsonMapper, McpMetrics metrics,
                 Supplier<McpStreamableServerSession.Factory> sessions, String serverName, String serverVersion,
                 String instructions) {
        this.endpoint = endpoint;
        this.mapper = mapper;
        this.jsonMapper = jsonMapper;
        this.metrics = metrics;
        this.sessions = sessions;
        this.serverInfo = Map.of("name", serverName, "version", serverVersion == null ? "0" : serverVersion);
        this.instructions = instructions;
        this.capabilities = Map.of(
                "tools", Map.of("listChanged", true),
                "resources", Map.of("subscribe", true, "listChanged", true),
                "prompts", Map.of("listChanged", true),
                "completions", Map.of(),
                "logging", Map.of());
        this.subscriptions = new Subscriptions(mapper, serverInfo);
    }

    Subscriptions subscriptions() {
        return subscriptions;
    }

    /** Whether a POST body belongs to this era: its params carry a protocol version in _meta. */
    static boolean claims(JsonNode body) {
        return body.path("params").path("_meta").has(META_VERSION);
    }

    /** One POST of this era; access checks, body limits and media types were checked before. */
    void handle(RoutingContext ctx, ObjectNode body) {
        HttpServerRequest req = ctx.request();
        if (!body.hasNonNull("method")) {
            error(ctx, 400, body.get("id"), -32600, "Invalid Request: clients send no responses in " + VERSION, null);
            return;
        }
        String method = body.get("method").asText();
        if (!body.has("id")) {
            // No client notification exists over HTTP in this revision (closing a stream cancels).
            ctx.response().setStatusCode(202).end();
            return;
        }
        JsonNode id = body.get("id");
        JsonNode params = body.path("params");
        JsonNode meta = params.path("_meta");
        if (!meta.path(META_VERSION).isTextual() || !meta.path(META_CAPABILITIES).isObject()) {
            error(ctx, 400, id, McpOutcome.INVALID_PARAMS, "Invalid params: _meta must carry " + META_VERSION
                    + " and " + META_CAPABILITIES, null);
            return;
        }
        String version = meta.get(META_VERSION).asText();
        String header = req.getHeader(StreamableHttpTransport.PROTOCOL_HEADER);
        if (header == null || !header.equals(version)) {
            error(ctx, 400, id, HEADER_MISMATCH, "Header mismatch: MCP-Protocol-Version "
                    + (header == null ? "is missing" : "'" + AccessGuard.printable(header) + "' does not match _meta '"
                    + AccessGuard.printable(version) + "'"), null);
            return;
        }
        if (!VERSION.equals(version)) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("supported", SUPPORTED);
            data.put("requested", version);
            error(ctx, 400, id, UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version "
                    + AccessGuard.printable(version) + " without initialize; supported: " + String.join(", ", SUPPORTED), data);
            return;
        }
        String mismatch = headerMismatch(req, method, params);
        if (mismatch != null) {
            error(ctx, 400, id, HEADER_MISMATCH, "Header mismatch: " + mismatch, null);
            return;
        }
        switch (method) {
            case "server/discover" -> {
                metrics.rpc(endpoint, method);
                reply(ctx, id, discover());
            }
            case "subscriptions/listen" -> {
                metrics.rpc(endpoint, method);
                listen(ctx, id, params);
            }
            default -> {
                if (SDK_METHODS.contains(method)) {
                    // Counted by name only for methods that exist: a client cannot mint meter tags.
                    metrics.rpc(endpoint, method);
                    call(ctx, body, method, params, meta);
                } else {
                    // initialize, ping, logging/setLevel, resources/(un)subscribe: not in this revision.
                    error(ctx, 404, id, -32601, "Method not found: " + AccessGuard.printable(method)
                            + " (in " + VERSION + ")", null);
                }
            }
        }
    }

    /** Mcp-Method on every request, Mcp-Name on named ones: both must equal the body. */
    private static String headerMismatch(HttpServerRequest req, String method, JsonNode params) {
        String mcpMethod = req.getHeader("Mcp-Method");
        if (mcpMethod == null) {
            return "the Mcp-Method header is required";
        }
        if (!mcpMethod.equals(method)) {
            return "Mcp-Method '" + AccessGuard.printable(mcpMethod) + "' does not match the body's method";
        }
        if (NAMED.contains(method)) {
            String expected = params.path("resources/read".equals(method) ? "uri" : "name").asText(null);
            String name = decode(req.getHeader("Mcp-Name"));
            if (name == null) {
                return "the Mcp-Name header is required for " + method;
            }
            if (!name.equals(expected)) {
                return "Mcp-Name does not match the body's " + ("resources/read".equals(method) ? "uri" : "name");
            }
        }
        return null;
    }

    /** A header value, Base64 sentinel ({@code =?base64?...?=}) decoded. */
    private static String decode(String value) {
        if (value != null && value.startsWith("=?base64?") && value.endsWith("?=") && value.length() >= 11) {
            try {
                return new String(Base64.getDecoder().decode(value.substring(9, value.length() - 2)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return value;
    }

    private Map<String, Object> discover() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("resultType", "complete");
        result.put("supportedVersions", SUPPORTED);
        result.put("capabilities", capabilities);
        if (instructions != null && !instructions.isBlank()) {
            result.put("instructions", instructions);
        }
        result.put("ttlMs", LIST_TTL_MS);
        result.put("cacheScope", "private");
        result.put("_meta", Map.of(META_SERVER_INFO, serverInfo));
        return result;
    }

    private void listen(RoutingContext ctx, JsonNode id, JsonNode params) {
        JsonNode filter = params.path("notifications");
        if (!filter.isObject()) {
            error(ctx, 400, id, McpOutcome.INVALID_PARAMS, "Invalid params: subscriptions/listen needs a notifications filter", null);
            return;
        }
        String client = AccessGuard.clientKey(ctx);
        Context vctx = RequestWorkers.loop(ctx);
        List<String> uris = new ArrayList<>();
        filter.path("resourceSubscriptions").forEach(u -> {
            if (u.isTextual()) {
                uris.add(u.asText());
            }
        });
        // Every resource named must be one this client may read (another identity's inbox is not).
        Flux.fromIterable(uris).concatMap(uri -> watchGate.check(uri, client)).then().subscribe(v -> { },
                e -> vctx.runOnContext(x -> {
                    McpError refusal = e instanceof McpError m ? m : null;
                    error(ctx, refusal == null ? 500 : status(refusal.getJsonRpcError().code()), id,
                            refusal == null ? McpSchema.ErrorCodes.INTERNAL_ERROR : refusal.getJsonRpcError().code(),
                            refusal == null ? "Internal error" : refusal.getMessage(),
                            refusal == null ? null : refusal.getJsonRpcError().data());
                }),
                () -> vctx.runOnContext(x -> {
                    if (!subscriptions.open(mapper.convertValue(id, Object.class), client, maxListenersPerClient, filter, vctx,
                            ctx.response())) {
                        metrics.rejected("listen_limit");
                        ctx.response().putHeader("Retry-After", "30");
                        error(ctx, 429, id, -32000, "Too many subscriptions/listen streams for this client (limit "
                                + maxListenersPerClient + "); close one before opening another", null);
                    }
                }));
    }

    /** The per-client cap on listen streams and who may watch which resource; set when the endpoint is built. */
    void listening(int maxListenersPerClient, ResourceWatchGate watchGate) {
        this.maxListenersPerClient = maxListenersPerClient;
        this.watchGate = watchGate;
    }

    /** Runs the request through the SDK handlers in a session that lives as long as the request. */
    private void call(RoutingContext ctx, ObjectNode body, String method, JsonNode params, JsonNode meta) {
        JsonNode id = body.get("id");
        McpSchema.JSONRPCRequest request;
        McpSchema.ClientCapabilities caps;
        McpSchema.Implementation clientInfo;
        try {
            JsonNode checked = RequestParams.check(method, params.isMissingNode() ? null : params, mapper);
            request = mapper.treeToValue(body, McpSchema.JSONRPCRequest.class);
            request = new McpSchema.JSONRPCRequest(request.jsonrpc(), method, request.id(),
                    checked == null ? null : mapper.convertValue(checked, Object.class));
            caps = mapper.convertValue(meta.get(META_CAPABILITIES), McpSchema.ClientCapabilities.class);
            JsonNode info = meta.path(META_CLIENT_INFO);
            clientInfo = info.path("name").isTextual()
                    ? new McpSchema.Implementation(info.get("name").asText(), info.path("version").asText("0"))
                    : new McpSchema.Implementation("unnamed-client", "0");
        } catch (RequestParams.Invalid e) {
            error(ctx, 400, id, McpOutcome.INVALID_PARAMS, e.getMessage(), null);
            return;
        } catch (Exception e) {
            error(ctx, 400, id, McpOutcome.INVALID_PARAMS, "Invalid params", null);
            return;
        }
        String logLevel = meta.path(META_LOG_LEVEL).asText(null);
        JsonNode responses = params.get("inputResponses");
        StatelessCall call = new StatelessCall(method, mapper.convertValue(meta.get(META_CAPABILITIES), MAP), logLevel,
                responses != null && responses.isObject() ? mapper.convertValue(responses, MAP) : null,
                responses != null && responses.isNull(),
                responses != null && !responses.isObject() && !responses.isNull() ? responses.toString() : null,
                params.path("requestState").isTextual() ? params.get("requestState").asText() : null);
        McpStreamableServerSession session = sessions.get()
                .startSession(new McpSchema.InitializeRequest(ProtocolVersions.MCP_2025_11_25, caps, clientInfo))
                .session();
        McpSchema.LoggingLevel level = StatelessResponse.level(logLevel);
        if (level != null) {
            session.setMinLoggingLevel(level);
        }
        Context vctx = RequestWorkers.loop(ctx);
        StatelessResponse out = new StatelessResponse(this, mapper, jsonMapper, vctx, ctx.response(), method, params, logLevel);
        McpTransportContext transportContext = McpTransportContext.create(Map.of("client", AccessGuard.clientKey(ctx)));
        long started = System.nanoTime();
        Disposable running = session.responseStream(request, out)
                .contextWrite(c -> c.put(McpTransportContext.KEY, transportContext).put(StatelessCall.class, call))
                .doFinally(s -> metrics.requestDuration(endpoint, method, System.nanoTime() - started))
                .subscribe(v -> { }, e -> {
                    LOG.warn("{} on {} failed in the transport: {}", method, endpoint, e.toString());
                    vctx.runOnContext(x -> error(ctx, 500, id, -32603, "Internal error", null));
                }, () -> vctx.runOnContext(x -> {
                    if (!ctx.response().ended() && !ctx.response().headWritten()) {
                        error(ctx, 500, id, -32603, "Internal error: no response", null);
                    }
                }));
        // A client that closes the response stream cancels the request: nothing more is sent for it.
        ctx.response().closeHandler(v -> {
            running.dispose();
            out.close();
        });
    }

    /** The HTTP status and body of a request's final message, in this revision's shape. */
    record Reply(int status, ObjectNode body) {
    }

    Reply finish(ObjectNode response, String method, JsonNode params) {
        JsonNode id = response.get("id");
        if (response.has("error")) {
            ObjectNode err = (ObjectNode) response.get("error");
            int code = err.path("code").asInt(-32603);
            if (code == -32002) {
                // 2026-07-28: an unknown resource is invalid params, with the uri in data.
                err.put("code", McpOutcome.INVALID_PARAMS);
                code = McpOutcome.INVALID_PARAMS;
                ObjectNode data = err.has("data") && err.get("data").isObject() ? (ObjectNode) err.get("data") : err.putObject("data");
                data.put("uri", params.path("uri").asText());
            }
            return new Reply(status(code), response);
        }
        ObjectNode result = response.has("result") && response.get("result").isObject()
                ? (ObjectNode) response.get("result") : response.putObject("result");
        JsonNode outcome = result.path("_meta").path(McpOutcome.META_KEY);
        if (outcome.has("error")) {
            ObjectNode body = mapper.createObjectNode().put("jsonrpc", "2.0");
            body.set("id", id);
            body.set("error", outcome.get("error"));
            return new Reply(status(outcome.path("error").path("code").asInt()), body);
        }
        ObjectNode shaped = mapper.createObjectNode();
        if (outcome.has("inputRequests")) {
            shaped.put("resultType", "input_required");
            shaped.set("inputRequests", outcome.get("inputRequests"));
            shaped.set("requestState", outcome.get("requestState"));
        } else {
            shaped.put("resultType", "complete");
            result.fields().forEachRemaining(e -> {
                if (!"_meta".equals(e.getKey())) {
                    shaped.set(e.getKey(), e.getValue());
                }
            });
            if (LISTS.contains(method)) {
                shaped.put("ttlMs", LIST_TTL_MS);
                shaped.put("cacheScope", "private");
            } else if ("resources/read".equals(method)) {
                // Contents (an inbox, a topic's last value) change without notice: always re-read.
                shaped.put("ttlMs", 0);
                shaped.put("cacheScope", "private");
            }
        }
        ObjectNode meta = shaped.putObject("_meta");
        if (result.path("_meta").isObject()) {
            result.get("_meta").fields().forEachRemaining(e -> {
                if (!McpOutcome.META_KEY.equals(e.getKey())) {
                    meta.set(e.getKey(), e.getValue());
                }
            });
        }
        meta.set(META_SERVER_INFO, mapper.valueToTree(serverInfo));
        response.set("result", shaped);
        return new Reply(200, response);
    }

    private static int status(int code) {
        return switch (code) {
            case -32601 -> 404;
            case -32603 -> 500;
            case -32600, -32602, -32700, HEADER_MISMATCH, McpOutcome.MISSING_REQUIRED_CLIENT_CAPABILITY,
                 UNSUPPORTED_PROTOCOL_VERSION -> 400;
            default -> 200;
        };
    }

    private void reply(RoutingContext ctx, JsonNode id, Map<String, Object> result) {
        ObjectNode body = mapper.createObjectNode().put("jsonrpc", "2.0");
        body.set("id", id);
        body.set("result", mapper.valueToTree(result));
        ctx.response().putHeader("Content-Type", "application/json").end(body.toString());
    }

    private void error(RoutingContext ctx, int status, JsonNode id, int code, String message, Object data) {
        HttpServerResponse r = ctx.response();
        if (r.ended() || r.closed()) {
            return;
        }
        metrics.httpError(endpoint, status);
        ObjectNode body = mapper.createObjectNode().put("jsonrpc", "2.0");
        body.set("id", id);
        ObjectNode error = body.putObject("error").put("code", code).put("message", message);
        if (data != null) {
            error.set("data", mapper.valueToTree(data));
        }
        r.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toString());
    }

    static void sseHeaders(HttpServerResponse r) {
        if (r.headWritten()) {
            return;
        }
        r.setChunked(true);
        r.putHeader("Content-Type", "text/event-stream");
        r.putHeader("Cache-Control", "no-cache, no-transform");
        r.putHeader("X-Accel-Buffering", "no");
    }
}
