package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One MCP session over Streamable HTTP on a non-blocking Vert.x client: initialize, then
 * requests whose answer may come as plain JSON or inside an SSE stream, and optionally the
 * session's listening (GET) stream.
 */
final class McpConnection {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROTOCOL_VERSION = "2025-06-18";
    /** The stateless revision: no initialize, no session; protocol version and capabilities in every request's _meta. */
    static final String STATELESS_VERSION = "2026-07-28";
    private static final String STATELESS_META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"" + STATELESS_VERSION
            + "\",\"io.modelcontextprotocol/clientCapabilities\":{},"
            + "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"switchboard-bench\",\"version\":\"1\"}}";
    /** A server that stops answering must show up as errors in the figures, not as a run that never ends. */
    private static final long REQUEST_IDLE_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(10);
    private static final AtomicLong IDS = new AtomicLong();

    private final Exchanger http;
    private final URI url;
    private String sessionId;
    private boolean stateless;

    /** A session whose requests go over pooled Vert.x connections (the gateway benchmark). */
    McpConnection(HttpClient http, URI url) {
        this((body, session, headers) -> vertxPost(http, url, body, session, headers), url);
    }

    /**
     * A session whose requests go over the JDK's HTTP client. The broker benchmark uses it: with
     * hundreds of listening streams open, a Vert.x 4.5 client stopped handing out connections for
     * new POSTs after ~300 sessions while the server kept serving other clients at once.
     */
    McpConnection(java.net.http.HttpClient http, URI url) {
        this((body, session, headers) -> jdkPost(http, url, body, session, headers), url);
    }

    private McpConnection(Exchanger http, URI url) {
        this.http = http;
        this.url = url;
    }

    /** What a POST answered: enough to find the JSON-RPC reply and the session id. */
    record Reply(int status, String contentType, String sessionId, String body) {
    }

    /** Sends one JSON-RPC POST body on the session (null before initialize). */
    @FunctionalInterface
    interface Exchanger {
        Future<Reply> post(String body, String sessionId, Map<String, String> headers);
    }

    String sessionId() {
        return sessionId;
    }

    /** initialize, keep the Mcp-Session-Id the server assigned, then notifications/initialized. */
    Future<Void> initialize() {
        String init = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + PROTOCOL_VERSION
                + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"switchboard-bench\",\"version\":\"1\"}}}";
        return http.post(init, null, Map.of()).map(reply -> {
            JsonNode msg = parse(reply, 0);
            if (!msg.has("result")) {
                throw new McpCallException("initialize refused", msg.toString());
            }
            if (reply.sessionId() == null) {
                throw new McpCallException("no Mcp-Session-Id", "the initialize response carried no session header");
            }
            sessionId = reply.sessionId();
            return msg;
        }).compose(msg -> http.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", sessionId, Map.of()))
                .map(reply -> {
                    // The spec's answer is 202; a server answering 200/204 with no content still accepted it.
                    if (reply.status() != 202 && reply.status() != 200 && reply.status() != 204) {
                        throw new McpCallException("HTTP " + reply.status(), reply.body());
                    }
                    return null;
                });
    }

    /**
     * Speaks 2026-07-28 from now on: nothing to open, every request stands alone (its _meta and
     * the MCP-Protocol-Version / Mcp-Method / Mcp-Name headers), so there is no session to lose.
     */
    McpConnection stateless() {
        this.stateless = true;
        return this;
    }

    /** A JSON-RPC request; the Future carries the JSON-RPC response message with the request's id. */
    Future<JsonNode> request(String method, String paramsJson) {
        return request(method, paramsJson, null);
    }

    private Future<JsonNode> request(String method, String paramsJson, String name) {
        long id = IDS.incrementAndGet();
        Map<String, String> headers = Map.of();
        if (stateless) {
            // paramsJson is an object literal: the _meta goes in as its first member.
            paramsJson = "{" + STATELESS_META + (paramsJson.equals("{}") ? "}" : "," + paramsJson.substring(1));
            headers = name == null
                    ? Map.of("MCP-Protocol-Version", STATELESS_VERSION, "Mcp-Method", method)
                    : Map.of("MCP-Protocol-Version", STATELESS_VERSION, "Mcp-Method", method, "Mcp-Name", name);
        }
        String body = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}";
        return http.post(body, sessionId, headers).map(reply -> parse(reply, id));
    }

    Future<JsonNode> callTool(String name, String argumentsJson) {
        return request("tools/call", "{\"name\":\"" + name + "\",\"arguments\":" + argumentsJson + "}", name);
    }

    /**
     * Opens the listening stream; every JSON-RPC message that arrives on it goes to {@code onMessage}.
     * The streams run on the JDK's HTTP client (one selector thread, one connection per stream):
     * a Vert.x client holding ~300 long-lived streams stopped handing out connections for new
     * requests, which stalled the 1,000-session broker run in its connect phase.
     */
    CompletableFuture<Void> listen(java.net.http.HttpClient streams, Consumer<JsonNode> onMessage) {
        HttpRequest get = HttpRequest.newBuilder(url).GET().header("Accept", "text/event-stream")
                .header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", PROTOCOL_VERSION).build();
        SseEvents events = new SseEvents(data -> {
            JsonNode msg = readJson(data);
            if (msg != null) {
                onMessage.accept(msg);
            }
        });
        CompletableFuture<Void> open = new CompletableFuture<>();
        streams.sendAsync(get, info -> {
            if (info.statusCode() != 200) {
                open.completeExceptionally(new McpCallException("HTTP " + info.statusCode(), "listening stream refused"));
                return HttpResponse.BodySubscribers.discarding();
            }
            open.complete(null);
            return HttpResponse.BodySubscribers.fromLineSubscriber(new LineFeed(events));
        }).whenComplete((r, e) -> {
            if (e != null) {
                open.completeExceptionally(e);
            }
        });
        return open;
    }

    /** Hands the stream's lines to the SSE parser as they arrive; asks for more without limit. */
    private static final class LineFeed implements Flow.Subscriber<String> {
        private final SseEvents events;

        LineFeed(SseEvents events) {
            this.events = events;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            events.feed(line + "\n");
        }

        @Override
        public void onError(Throwable failure) {
        }

        @Override
        public void onComplete() {
        }
    }

    private static Future<Reply> vertxPost(HttpClient http, URI url, String body, String sessionId, Map<String, String> headers) {
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .setIdleTimeout(REQUEST_IDLE_TIMEOUT_MS)
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "application/json, text/event-stream")
                .putHeader("MCP-Protocol-Version", PROTOCOL_VERSION);
        headers.forEach(o::putHeader);
        if (sessionId != null) {
            o.putHeader("Mcp-Session-Id", sessionId);
        }
        return http.request(o).compose(req -> req.send(Buffer.buffer(body))).compose(resp -> resp.body().map(b ->
                new Reply(resp.statusCode(), resp.getHeader("Content-Type"), resp.getHeader("Mcp-Session-Id"), b.toString())));
    }

    private static Future<Reply> jdkPost(java.net.http.HttpClient http, URI url, String body, String sessionId,
                                         Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofMillis(REQUEST_IDLE_TIMEOUT_MS))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .setHeader("MCP-Protocol-Version", headers.getOrDefault("MCP-Protocol-Version", PROTOCOL_VERSION));
        headers.forEach((k, v) -> {
            if (!k.equals("MCP-Protocol-Version")) {
                b.header(k, v);
            }
        });
        if (sessionId != null) {
            b.header("Mcp-Session-Id", sessionId);
        }
        return Future.fromCompletionStage(http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).thenApply(resp ->
                new Reply(resp.statusCode(), resp.headers().firstValue("Content-Type").orElse(null),
                        resp.headers().firstValue("Mcp-Session-Id").orElse(null), resp.body())));
    }

    /** The JSON-RPC response with {@code id}, from a plain JSON body or from the POST's SSE stream. */
    private static JsonNode parse(Reply reply, long id) {
        String body = reply.body();
        if (reply.status() != 200) {
            throw new McpCallException("HTTP " + reply.status(), body);
        }
        String contentType = reply.contentType();
        if (contentType != null && contentType.startsWith("text/event-stream")) {
            // The stream may carry notifications (progress, log) before the response: skip to ours.
            JsonNode[] found = new JsonNode[1];
            SseEvents events = new SseEvents(data -> {
                JsonNode msg = readJson(data);
                if (found[0] == null && msg != null && msg.path("id").asLong(-1) == id && !msg.has("method")) {
                    found[0] = msg;
                }
            });
            events.feed(body);
            events.finish();
            if (found[0] == null) {
                throw new McpCallException("no response in SSE", body);
            }
            return found[0];
        }
        JsonNode msg = readJson(body);
        if (msg == null) {
            throw new McpCallException("not JSON", body);
        }
        if (msg.path("id").asLong(-1) != id) {
            throw new McpCallException("wrong id", msg.toString());
        }
        return msg;
    }

    /** Null for what is not JSON (an SSE priming event has empty data, for instance). */
    private static JsonNode readJson(String text) {
        if (text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Splits text/event-stream into events and hands each event's data (its data lines joined
     * by newlines, as the SSE spec says) to a consumer. Chunks may end anywhere, so text is
     * buffered until an event is complete.
     */
    static final class SseEvents {
        private final Consumer<String> onData;
        private final StringBuilder pending = new StringBuilder();
        private final StringBuilder data = new StringBuilder();
        private boolean hasData;

        SseEvents(Consumer<String> onData) {
            this.onData = onData;
        }

        void feed(String chunk) {
            pending.append(chunk);
            int eol;
            while ((eol = pending.indexOf("\n")) >= 0) {
                String line = pending.substring(0, eol);
                pending.delete(0, eol + 1);
                line(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            }
        }

        /** The body ended: an event not followed by a blank line still counts. */
        void finish() {
            if (pending.length() > 0) {
                line(pending.toString());
                pending.setLength(0);
            }
            line("");
        }

        private void line(String line) {
            if (line.isEmpty()) {
                if (hasData) {
                    onData.accept(data.toString());
                }
                data.setLength(0);
                hasData = false;
            } else if (line.startsWith("data:")) {
                if (hasData) {
                    data.append('\n');
                }
                String value = line.substring(5);
                data.append(value.startsWith(" ") ? value.substring(1) : value);
                hasData = true;
            }
        }
    }

    /** A reply that is not what a working server sends; {@code kind} groups errors for the report. */
    static final class McpCallException extends RuntimeException {
        final String kind;

        McpCallException(String kind, String detail) {
            super(kind + ": " + (detail.length() > 300 ? detail.substring(0, 300) + "…" : detail), null, false, false);
            this.kind = kind;
        }
    }
}
