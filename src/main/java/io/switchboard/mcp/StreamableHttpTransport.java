package io.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.ProtocolVersions;
import io.switchboard.guard.AccessGuard;
import io.switchboard.observe.McpMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * MCP Streamable HTTP (2025-11-25 and earlier) for one endpoint path, served on Camel's Vert.x
 * router: POST carries client messages, GET opens the session's listening stream (or resumes a
 * dropped stream with {@code Last-Event-ID}), DELETE ends the session. The SDK's session does the
 * protocol; this class does HTTP, sessions, streams and resumability.
 *
 * <p>Runs on the event loop and never blocks it: SDK handlers that do work (tool routes) move to
 * worker threads themselves.
 */
public final class StreamableHttpTransport implements McpStreamableServerTransportProvider {

    private static final Logger LOG = LoggerFactory.getLogger(StreamableHttpTransport.class);
    static final String PROTOCOL_HEADER = "MCP-Protocol-Version";
    /** The version a client that sends no header is assumed to speak (spec: 2025-03-26). */
    private static final String DEFAULT_PROTOCOL = ProtocolVersions.MCP_2025_03_26;
    private static final List<String> PROTOCOLS = List.of(ProtocolVersions.MCP_2025_11_25,
            ProtocolVersions.MCP_2025_06_18, ProtocolVersions.MCP_2025_03_26, ProtocolVersions.MCP_2024_11_05);

    private final String endpoint;
    private final ObjectMapper objectMapper;
    private final McpJsonMapper jsonMapper;
    private final TransportSettings settings;
    private final TransportLimits limits;
    private final RequestWorkers workers;
    private final McpMetrics metrics;
    private final Cache<String, ClientSession> sessions;
    private volatile McpStreamableServerSession.Factory sessionFactory;
    private volatile boolean closing;
    private volatile StatelessEra stateless;
    /** Tools declared {@code blocking: false}: their calls (small bodies) stay on the event loop, no hop. */
    private volatile Set<String> toolsOnLoop = Set.of();

    public StreamableHttpTransport(String endpoint, ObjectMapper objectMapper, McpJsonMapper jsonMapper,
                                   TransportSettings settings, McpMetrics metrics) {
        this(endpoint, objectMapper, jsonMapper, settings, TransportLimits.defaults(), new RequestWorkers(null), metrics);
    }

    public StreamableHttpTransport(String endpoint, ObjectMapper objectMapper, McpJsonMapper jsonMapper,
                                   TransportSettings settings, TransportLimits limits, RequestWorkers workers,
                                   McpMetrics metrics) {
        this.endpoint = endpoint;
        this.limits = limits;
        this.workers = workers;
        this.objectMapper = objectMapper;
        this.jsonMapper = jsonMapper;
        this.settings = settings;
        this.metrics = metrics;
        this.sessions = Caffeine.newBuilder()
                .expireAfterAccess(settings.sessionIdleTimeout())
                .scheduler(Scheduler.systemScheduler())
                .removalListener((String id, ClientSession s, RemovalCause cause) -> {
                    if (s != null && cause.wasEvicted()) {
                        LOG.info("Session {} on {} evicted after {} idle", id, endpoint, settings.sessionIdleTimeout());
                        s.closeAll();
                        s.sdkSession().closeGracefully().subscribe(v -> { }, e -> { });
                    }
                })
                .build();
        metrics.sessionsGauge(endpoint, () -> sessions.estimatedSize());
        metrics.streamsGauge(endpoint, () -> sessions.asMap().values().stream().mapToLong(ClientSession::openConnections).sum());
    }

    public String endpoint() {
        return endpoint;
    }

    /** Serves the 2026-07-28 (stateless) era on this endpoint too, under this server identity. */
    void serveStateless(String serverName, String serverVersion, String instructions) {
        this.stateless = new StatelessEra(endpoint, objectMapper, jsonMapper, metrics, () -> sessionFactory,
                serverName, serverVersion, instructions);
        this.stateless.listening(limits.maxListenersPerClient(), watchGate);
    }

    /** Who may watch which resource, for resources/subscribe and 2026-07-28 listens; set before serving. */
    void watchGate(ResourceWatchGate gate) {
        this.watchGate = gate;
        StatelessEra era = stateless;
        if (era != null) {
            era.listening(limits.maxListenersPerClient(), gate);
        }
    }

    /**
     * The names (on this endpoint) of the tools whose routes never block: a call to one of them is
     * guarded, validated and run on the event loop that read it instead of on two worker pools.
     */
    void toolsOnLoop(Set<String> names) {
        this.toolsOnLoop = Set.copyOf(names);
    }

    /** notifications/resources/updated to the 2026-07-28 listeners that named {@code uri}. */
    void resourceUpdatedToListeners(String uri) {
        StatelessEra era = stateless;
        if (era != null) {
            era.subscriptions().resourceUpdated(uri);
        }
    }

    /** Whether a 2026-07-28 listener on this endpoint asked for updates of {@code uri}. */
    boolean hasListenerFor(String uri) {
        StatelessEra era = stateless;
        return era != null && era.subscriptions().anyListensTo(uri);
    }

    @Override
    public List<String> protocolVersions() {
        return PROTOCOLS;
    }

    @Override
    public void setSessionFactory(McpStreamableServerSession.Factory sessionFactory) {
        this.sessionFactory = sessionFactory;
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        StatelessEra era = stateless;
        if (era != null && method.endsWith("/list_changed")) {
            // The same route reload reaches the 2026-07-28 listeners that asked for that list.
            era.subscriptions().listChanged(method);
        }
        return Flux.fromIterable(List.copyOf(sessions.asMap().values()))
                .flatMap(s -> s.sdkSession().sendNotification(method, params).onErrorResume(e -> Mono.empty()))
                .then();
    }

    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        ClientSession s = sessions.getIfPresent(sessionId);
        return s == null ? Mono.empty() : s.sdkSession().sendNotification(method, params);
    }

    /** A log line to every session whose logging level lets it through. */
    Mono<Void> logToAll(McpSchema.LoggingMessageNotification notification) {
        return Flux.fromIterable(List.copyOf(sessions.asMap().values()))
                .filter(s -> s.sdkSession().isNotificationForLevelAllowed(notification.level()))
                .flatMap(s -> s.sdkSession().sendNotification(McpSchema.METHOD_NOTIFICATION_MESSAGE, notification)
                        .onErrorResume(e -> Mono.empty()))
                .then();
    }

    /** Closes the POST stream that carries {@code requestStreamOwner}'s current call (SEP-1699 polling). */
    boolean closeStreamOf(String sessionId, String streamId) {
        ClientSession s = sessions.getIfPresent(sessionId);
        SseStream stream = s == null ? null : s.stream(streamId);
        if (stream == null) {
            return false;
        }
        stream.closeConnection();
        return true;
    }

    boolean hasSession(String sessionId) {
        return sessions.getIfPresent(sessionId) != null;
    }

    int sessionCount() {
        return (int) sessions.estimatedSize();
    }

    /** Keeps idle SSE connections open and their sessions alive. */
    void keepAlive() {
        StatelessEra era = stateless;
        if (era != null) {
            era.subscriptions().keepAlive();
        }
        for (ClientSession s : sessions.asMap().values()) {
            boolean attached = false;
            for (SseStream stream : s.streams()) {
                if (stream.isAttached()) {
                    stream.keepAlive();
                    // An open stream stays resumable however quiet it is.
                    s.stream(stream.id());
                    attached = true;
                }
            }
            if (attached) {
                sessions.getIfPresent(s.id());
            }
        }
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(() -> {
            closing = true;
            StatelessEra era = stateless;
            if (era != null) {
                era.subscriptions().closeAll();
            }
            for (ClientSession s : List.copyOf(sessions.asMap().values())) {
                s.closeAll();
                s.sdkSession().closeGracefully().subscribe(v -> { }, e -> { });
            }
            sessions.invalidateAll();
        });
    }

    // ---------------------------------------------------------------- HTTP

    /** The Vert.x handler for this endpoint's path; access checks and body limits ran before it. */
    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        if (closing) {
            error(ctx, 503, -32000, "Server is shutting down");
            return;
        }
        String version = req.getHeader(PROTOCOL_HEADER);
        if (stateless != null && StatelessEra.VERSION.equals(version) && !"POST".equals(req.method().name())) {
            // 2026-07-28 has no GET stream (subscriptions/listen replaces it) and no session to DELETE.
            ctx.response().putHeader("Allow", "POST");
            error(ctx, 405, -32000, "Method not allowed in " + StatelessEra.VERSION + ": every message is a POST");
            return;
        }
        switch (req.method().name()) {
            case "POST" -> handlePost(ctx);
            case "GET", "DELETE" -> {
                if (!supportedLegacyHeader(ctx)) {
                    return;
                }
                if ("GET".equals(req.method().name())) {
                    handleGet(ctx);
                } else {
                    handleDelete(ctx);
                }
            }
            default -> {
                ctx.response().putHeader("Allow", "GET, POST, DELETE");
                error(ctx, 405, -32000, "Method not allowed");
            }
        }
    }

    /** 2025 era: an MCP-Protocol-Version header, when sent, must name a version we speak. */
    private boolean supportedLegacyHeader(RoutingContext ctx) {
        String version = ctx.request().getHeader(PROTOCOL_HEADER);
        if (version != null && !PROTOCOLS.contains(version)) {
            error(ctx, 400, -32600, "Unsupported MCP-Protocol-Version: " + AccessGuard.printable(version)
                    + "; supported: " + String.join(", ", StatelessEra.SUPPORTED));
            return false;
        }
        return true;
    }

    private void handlePost(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String accept = req.getHeader("Accept");
        if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
            error(ctx, 406, -32000, "Not Acceptable: the client must accept both application/json and text/event-stream");
            return;
        }
        String contentType = req.getHeader("Content-Type");
        if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
            error(ctx, 415, -32000, "Unsupported Media Type: Content-Type must be application/json");
            return;
        }
        Buffer body = ctx.body().buffer();
        if (body == null || body.length() == 0) {
            error(ctx, 400, -32700, "Parse error: empty body");
            return;
        }
        if (body.length() > limits.inlineBodyBytes()) {
            // Parsing a large body would stall every connection on this event loop.
            offload(ctx, () -> handleBody(ctx, body, true));
            return;
        }
        handleBody(ctx, body, false);
    }

    /** Hands the rest of a request to a worker; a full queue is answered 503 at once. */
    private void offload(RoutingContext ctx, Runnable work) {
        if (!workers.offload(ctx, work)) {
            metrics.rejected("queue_full");
            ctx.response().putHeader("Retry-After", "1");
            error(ctx, 503, -32000, "Server busy: too many requests are waiting; retry shortly");
        }
    }

    private void handleBody(RoutingContext ctx, Buffer body, boolean offloaded) {
        HttpServerRequest req = ctx.request();
        JsonNode node;
        try {
            node = objectMapper.readTree(body.getBytes());
        } catch (Exception e) {
            metrics.rejected("parse_error");
            error(ctx, 400, -32700, "Parse error: the body is not valid JSON, or nests too deeply");
            return;
        }
        if (node == null || node.isArray()) {
            error(ctx, 400, -32600, "Invalid Request: send one JSON-RPC message per POST (batches are not supported)");
            return;
        }
        if (!(node instanceof ObjectNode obj) || !"2.0".equals(obj.path("jsonrpc").asText())) {
            error(ctx, 400, -32600, "Invalid Request: not a JSON-RPC 2.0 message");
            return;
        }
        if (!offloaded && McpSchema.METHOD_TOOLS_CALL.equals(obj.path("method").asText())
                && !toolsOnLoop.contains(obj.path("params").path("name").asText())) {
            // Argument guard, schema validation and the start of the SDK call: worker work.
            offload(ctx, () -> handleMessage(ctx, obj));
            return;
        }
        handleMessage(ctx, obj);
    }

    private void handleMessage(RoutingContext ctx, ObjectNode obj) {
        HttpServerRequest req = ctx.request();
        StatelessEra era = stateless;
        if (era != null && (StatelessEra.VERSION.equals(req.getHeader(PROTOCOL_HEADER))
                || (StatelessEra.claims(obj) && req.getHeader(ClientSession.SESSION_HEADER) == null))) {
            era.handle(ctx, obj);
            return;
        }
        if (!supportedLegacyHeader(ctx)) {
            return;
        }
        McpSchema.JSONRPCMessage message;
        try {
            message = toMessage(obj);
        } catch (Exception e) {
            error(ctx, 400, -32600, "Invalid Request: not a JSON-RPC 2.0 request, notification or response");
            return;
        }
        if (message instanceof McpSchema.JSONRPCRequest request && McpSchema.METHOD_INITIALIZE.equals(request.method())) {
            initialize(ctx, request);
            return;
        }
        // The session first: a request without a live session gets the session's answer (400/404),
        // whatever the shape of its params, as every other method does.
        ClientSession session = session(ctx);
        if (session == null) {
            return;
        }
        if (message instanceof McpSchema.JSONRPCRequest request) {
            try {
                JsonNode params = RequestParams.check(request.method(), obj.get("params"), objectMapper);
                message = new McpSchema.JSONRPCRequest(request.jsonrpc(), request.method(), request.id(),
                        params == null || params.isMissingNode() ? null : objectMapper.convertValue(params, Object.class));
            } catch (RequestParams.Invalid e) {
                metrics.rejected("invalid_params");
                errorWithId(ctx, 200, request.id(), -32602, e.getMessage());
                return;
            }
        }
        if (message instanceof McpSchema.JSONRPCRequest request
                && McpSchema.METHOD_RESOURCES_SUBSCRIBE.equals(request.method())) {
            // Only what this client may read can be watched (another identity's broker inbox cannot).
            Object uri = request.params() instanceof Map<?, ?> p ? p.get("uri") : null;
            Context vctx = RequestWorkers.loop(ctx);
            watchGate.check(String.valueOf(uri), AccessGuard.clientKey(ctx)).subscribe(v -> { },
                    e -> vctx.runOnContext(x -> {
                        McpError refusal = e instanceof McpError m ? m : null;
                        if (refusal == null) {
                            LOG.warn("Checking a resource subscription failed", e);
                        }
                        AccessGuard.jsonRpcError(ctx, 200, request.id(),
                                refusal == null ? McpSchema.ErrorCodes.INTERNAL_ERROR : refusal.getJsonRpcError().code(),
                                refusal == null ? "Internal error" : refusal.getMessage());
                    }),
                    () -> vctx.runOnContext(x -> dispatch(ctx, session, request)));
            return;
        }
        dispatch(ctx, session, message);
    }

    /** A checked message of a live session, to the SDK: requests answered on a POST stream of their own. */
    private void dispatch(RoutingContext ctx, ClientSession session, McpSchema.JSONRPCMessage message) {
        McpTransportContext transportContext = transportContext(ctx, session);
        if (message instanceof McpSchema.JSONRPCRequest request) {
            if (!session.startRequest(limits.maxStreamsPerSession())) {
                metrics.rejected("stream_limit");
                errorWithId(ctx, 429, request.id(), -32000, "Too many requests at once on this session (limit "
                        + limits.maxStreamsPerSession() + "); wait for answers or open another session");
                return;
            }
            String label = RequestParams.methodLabel(request.method());
            metrics.rpc(endpoint, label);
            SseStream stream = new SseStream(SseStream.Kind.POST, session, jsonMapper, settings.replayBufferEvents(),
                    RequestWorkers.loop(ctx), ctx.response());
            long started = System.nanoTime();
            session.sdkSession().responseStream(request, stream)
                    .contextWrite(c -> c.put(McpTransportContext.KEY, transportContext)
                            .put(StreamKey.class, new StreamKey(endpoint, session.id(), stream.id())))
                    .doFinally(s -> {
                        session.endRequest();
                        metrics.requestDuration(endpoint, label, System.nanoTime() - started);
                    })
                    .subscribe(v -> { }, e -> {
                        // Still the request's answer: never an empty 200.
                        LOG.warn("Request {} on session {} failed in the transport", request.method(), session.id(), e);
                        stream.sendMessage(new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, request.id(), null,
                                        new McpSchema.JSONRPCResponse.JSONRPCError(McpSchema.ErrorCodes.INTERNAL_ERROR,
                                                "Internal error", null)))
                                .doFinally(x -> stream.close())
                                .subscribe(x -> { }, x -> { });
                    });
        } else if (message instanceof McpSchema.JSONRPCNotification notification) {
            metrics.rpc(endpoint, RequestParams.methodLabel(notification.method()));
            Context vctx = RequestWorkers.loop(ctx);
            session.sdkSession().accept(notification)
                    .contextWrite(c -> c.put(McpTransportContext.KEY, transportContext))
                    .doOnError(e -> LOG.debug("Notification {} failed: {}", notification.method(), e.toString()))
                    .doFinally(s -> vctx.runOnContext(v -> accepted(ctx)))
                    .subscribe(v -> { }, e -> { });
        } else if (message instanceof McpSchema.JSONRPCResponse response) {
            Context vctx = RequestWorkers.loop(ctx);
            session.sdkSession().accept(response)
                    .contextWrite(c -> c.put(McpTransportContext.KEY, transportContext))
                    .doOnError(e -> LOG.debug("Unexpected response from session {}: {}", session.id(), e.toString()))
                    .doFinally(s -> vctx.runOnContext(v -> accepted(ctx)))
                    .subscribe(v -> { }, e -> { });
        }
    }

    private void initialize(RoutingContext ctx, McpSchema.JSONRPCRequest request) {
        metrics.rpc(endpoint, request.method());
        McpSchema.InitializeRequest init;
        try {
            init = jsonMapper.convertValue(request.params(), McpSchema.InitializeRequest.class);
        } catch (Exception e) {
            errorWithId(ctx, 400, request.id(), -32602, "Invalid params for initialize");
            return;
        }
        if (init == null || init.protocolVersion() == null) {
            errorWithId(ctx, 400, request.id(), -32602, "Invalid params for initialize: protocolVersion is required");
            return;
        }
        String client = AccessGuard.clientKey(ctx);
        if (!sessionAllowed(ctx, request.id(), client)) {
            return;
        }
        McpStreamableServerSession.McpStreamableServerSessionInit started;
        try {
            started = sessionFactory.startSession(init);
        } catch (RuntimeException e) {
            admitted(client);
            throw e;
        }
        ClientSession session = new ClientSession(started.session(), init.protocolVersion(), settings,
                () -> sessions.getIfPresent(started.session().getId()), client);
        Context vctx = RequestWorkers.loop(ctx);
        started.initResult().doFinally(signal -> admitted(client)).subscribe(result -> {
            session.protocolVersion(result.protocolVersion());
            // Server-to-client messages wait here until the client opens its GET stream.
            SseStream listening = new SseStream(SseStream.Kind.LISTENING, session, jsonMapper,
                    settings.replayBufferEvents(), null, null);
            session.register(listening);
            started.session().listeningStream(listening);
            sessions.put(session.id(), session);
            String json;
            try {
                json = jsonMapper.writeValueAsString(McpSchema.JSONRPCResponse.result(request.id(), result));
            } catch (Exception e) {
                vctx.runOnContext(v -> errorWithId(ctx, 500, request.id(), -32603, "Internal error"));
                return;
            }
            vctx.runOnContext(v -> {
                HttpServerResponse r = ctx.response();
                if (r.closed() || r.ended()) {
                    return;
                }
                session.putSessionHeader(r);
                r.putHeader("Content-Type", "application/json");
                r.end(json);
            });
        }, e -> {
            LOG.warn("Initialize failed: {}", e.toString());
            vctx.runOnContext(v -> errorWithId(ctx, 400, request.id(), -32602, "Initialize failed"));
        });
    }

    /**
     * The session limits, total (503: the server is full) and per client (429: this client has its
     * share). Check and reservation are one step under a lock, and an initialize still in flight
     * holds its place until its session is stored or it failed: racing initializes cannot all see
     * room for one more and overshoot the cap. A true answer must be followed by {@link #admitted}.
     */
    private final Map<String, Integer> admitting = new java.util.HashMap<>();
    private volatile ResourceWatchGate watchGate = ResourceWatchGate.OPEN;

    private boolean sessionAllowed(RoutingContext ctx, Object id, String client) {
        synchronized (admitting) {
            if (!sessionRoom(ctx, id, client)) {
                return false;
            }
            admitting.merge(client, 1, Integer::sum);
            return true;
        }
    }

    /** The initialize that {@link #sessionAllowed} let in has stored its session, or failed. */
    private void admitted(String client) {
        synchronized (admitting) {
            admitting.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    private boolean sessionRoom(RoutingContext ctx, Object id, String client) {
        int inFlight = admitting.values().stream().mapToInt(Integer::intValue).sum();
        if (limits.maxSessions() > 0 && sessions.estimatedSize() + inFlight >= limits.maxSessions()) {
            sessions.cleanUp();
            if (sessions.estimatedSize() + inFlight >= limits.maxSessions()) {
                metrics.rejected("session_limit");
                ctx.response().putHeader("Retry-After", "30");
                errorWithId(ctx, 503, id, -32000, "Too many sessions on this server (limit " + limits.maxSessions()
                        + "); retry later");
                return false;
            }
        }
        if (limits.maxSessionsPerClient() > 0) {
            long mine = sessions.asMap().values().stream().filter(s -> client.equals(s.client())).count()
                    + admitting.getOrDefault(client, 0);
            if (mine >= limits.maxSessionsPerClient()) {
                metrics.rejected("client_session_limit");
                ctx.response().putHeader("Retry-After", "30");
                errorWithId(ctx, 429, id, -32000, "Too many sessions for this client (limit " + limits.maxSessionsPerClient()
                        + "); end unused sessions with DELETE or let them expire");
                return false;
            }
        }
        return true;
    }

    private void handleGet(RoutingContext ctx) {
        if (!accepts(ctx.request().getHeader("Accept"), "text/event-stream")) {
            error(ctx, 406, -32000, "Not Acceptable: the client must accept text/event-stream");
            return;
        }
        ClientSession session = session(ctx);
        if (session == null) {
            return;
        }
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        if (lastEventId != null) {
            resume(ctx, session, lastEventId);
            return;
        }
        SseStream current = session.listening();
        if (current != null && current.isAttached() && !current.isCompleted()) {
            error(ctx, 409, -32000, "Conflict: this session already has a listening stream");
            return;
        }
        if (current != null && !current.isCompleted()) {
            current.attach(RequestWorkers.loop(ctx), ctx.response());
            metrics.rpc(endpoint, "GET");
            return;
        }
        SseStream stream = new SseStream(SseStream.Kind.LISTENING, session, jsonMapper, settings.replayBufferEvents(),
                RequestWorkers.loop(ctx), ctx.response());
        session.register(stream);
        session.sdkSession().listeningStream(stream);
        stream.open();
        metrics.rpc(endpoint, "GET");
    }

    private void resume(RoutingContext ctx, ClientSession session, String lastEventId) {
        int sep = lastEventId.lastIndexOf('_');
        SseStream stream = sep > 0 ? session.stream(lastEventId.substring(0, sep)) : null;
        long lastSeq;
        try {
            lastSeq = sep > 0 ? Long.parseLong(lastEventId.substring(sep + 1)) : -1;
        } catch (NumberFormatException e) {
            lastSeq = -1;
        }
        if (stream == null || lastSeq < 0) {
            error(ctx, 404, -32000, "Unknown or expired Last-Event-ID; open a new stream without it");
            return;
        }
        if (!stream.resume(lastSeq, RequestWorkers.loop(ctx), ctx.response())) {
            error(ctx, 410, -32000, "Events after this Last-Event-ID are no longer buffered");
            return;
        }
        if (stream.kind() == SseStream.Kind.LISTENING && session.listening() != stream) {
            session.register(stream);
            session.sdkSession().listeningStream(stream);
        }
        metrics.rpc(endpoint, "GET-resume");
    }

    private void handleDelete(RoutingContext ctx) {
        ClientSession session = session(ctx);
        if (session == null) {
            return;
        }
        sessions.invalidate(session.id());
        session.closeAll();
        Context vctx = RequestWorkers.loop(ctx);
        session.sdkSession().delete().subscribe(v -> { },
                e -> vctx.runOnContext(x -> ctx.response().setStatusCode(200).end()),
                () -> vctx.runOnContext(x -> ctx.response().setStatusCode(200).end()));
    }

    // ---------------------------------------------------------------- helpers

    private ClientSession session(RoutingContext ctx) {
        String id = ctx.request().getHeader(ClientSession.SESSION_HEADER);
        if (id == null || id.isBlank()) {
            error(ctx, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
            return null;
        }
        ClientSession session = sessions.getIfPresent(id);
        if (session == null) {
            error(ctx, 404, -32001, "Session not found; initialize a new session");
            return null;
        }
        return session;
    }

    private McpSchema.JSONRPCMessage toMessage(ObjectNode obj) throws Exception {
        if (obj.hasNonNull("method")) {
            return obj.has("id") ? objectMapper.treeToValue(obj, McpSchema.JSONRPCRequest.class)
                    : objectMapper.treeToValue(obj, McpSchema.JSONRPCNotification.class);
        }
        if (obj.has("id") && (obj.has("result") || obj.has("error"))) {
            return objectMapper.treeToValue(obj, McpSchema.JSONRPCResponse.class);
        }
        throw new IllegalArgumentException("not a JSON-RPC message");
    }

    private static McpTransportContext transportContext(RoutingContext ctx, ClientSession session) {
        return McpTransportContext.create(Map.of(
                "sessionId", session.id(),
                "client", AccessGuard.clientKey(ctx)));
    }

    private static boolean accepts(String accept, String type) {
        if (accept == null) {
            return false;
        }
        String a = accept.toLowerCase();
        return a.contains(type) || a.contains("*/*");
    }

    private static void accepted(RoutingContext ctx) {
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(202).end();
        }
    }

    private void error(RoutingContext ctx, int status, int code, String message) {
        errorWithId(ctx, status, null, code, message);
    }

    private void errorWithId(RoutingContext ctx, int status, Object id, int code, String message) {
        metrics.httpError(endpoint, status);
        AccessGuard.jsonRpcError(ctx, status, id, code, message);
    }

    /** Which POST stream a request runs on, readable by handlers from the Reactor context. */
    record StreamKey(String endpoint, String sessionId, String streamId) {
    }
}
