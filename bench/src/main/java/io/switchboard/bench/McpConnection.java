package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
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
    /** A server that stops answering must show up as errors in the figures, not as a run that never ends. */
    private static final long REQUEST_IDLE_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(10);
    private static final AtomicLong IDS = new AtomicLong();

    private final HttpClient http;
    private final URI url;
    private String sessionId;

    McpConnection(HttpClient http, URI url) {
        this.http = http;
        this.url = url;
    }

    String sessionId() {
        return sessionId;
    }

    /** initialize, keep the Mcp-Session-Id the server assigned, then notifications/initialized. */
    Future<Void> initialize() {
        String init = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + PROTOCOL_VERSION
                + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"switchboard-bench\",\"version\":\"1\"}}}";
        return post(init).compose(resp -> resp.body().map(body -> {
            JsonNode reply = parse(resp, body, 0);
            if (!reply.has("result")) {
                throw new McpCallException("initialize refused", reply.toString());
            }
            sessionId = resp.getHeader("Mcp-Session-Id");
            if (sessionId == null) {
                throw new McpCallException("no Mcp-Session-Id", "the initialize response carried no session header");
            }
            return reply;
        })).compose(reply -> post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                .compose(resp -> resp.body().map(body -> {
                    // The spec's answer is 202; a server answering 200/204 with no content still accepted it.
                    if (resp.statusCode() != 202 && resp.statusCode() != 200 && resp.statusCode() != 204) {
                        throw new McpCallException("HTTP " + resp.statusCode(), body.toString());
                    }
                    return null;
                }));
    }

    /** A JSON-RPC request; the Future carries the JSON-RPC response message with the request's id. */
    Future<JsonNode> request(String method, String paramsJson) {
        long id = IDS.incrementAndGet();
        String body = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}";
        return post(body).compose(resp -> resp.body().map(b -> parse(resp, b, id)));
    }

    Future<JsonNode> callTool(String name, String argumentsJson) {
        return request("tools/call", "{\"name\":\"" + name + "\",\"arguments\":" + argumentsJson + "}");
    }

    /** Opens the listening stream; every JSON-RPC message that arrives on it goes to {@code onMessage}. */
    Future<Void> listen(HttpClient streams, Consumer<JsonNode> onMessage) {
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url.toString())
                .putHeader("Accept", "text/event-stream").putHeader("Mcp-Session-Id", sessionId)
                .putHeader("MCP-Protocol-Version", PROTOCOL_VERSION);
        return streams.request(o).compose(req -> req.send()).map(resp -> {
            SseEvents events = new SseEvents(data -> {
                JsonNode msg = readJson(data);
                if (msg != null) {
                    onMessage.accept(msg);
                }
            });
            resp.handler(chunk -> events.feed(chunk.toString()));
            return null;
        });
    }

    private Future<HttpClientResponse> post(String body) {
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .setIdleTimeout(REQUEST_IDLE_TIMEOUT_MS)
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "application/json, text/event-stream")
                .putHeader("MCP-Protocol-Version", PROTOCOL_VERSION);
        if (sessionId != null) {
            o.putHeader("Mcp-Session-Id", sessionId);
        }
        return http.request(o).compose(req -> req.send(Buffer.buffer(body)));
    }

    /** The JSON-RPC response with {@code id}, from a plain JSON body or from the POST's SSE stream. */
    private static JsonNode parse(HttpClientResponse resp, Buffer body, long id) {
        if (resp.statusCode() != 200) {
            throw new McpCallException("HTTP " + resp.statusCode(), body.toString());
        }
        String contentType = resp.getHeader("Content-Type");
        if (contentType != null && contentType.startsWith("text/event-stream")) {
            // The stream may carry notifications (progress, log) before the response: skip to ours.
            JsonNode[] found = new JsonNode[1];
            SseEvents events = new SseEvents(data -> {
                JsonNode msg = readJson(data);
                if (found[0] == null && msg != null && msg.path("id").asLong(-1) == id && !msg.has("method")) {
                    found[0] = msg;
                }
            });
            events.feed(body.toString());
            events.finish();
            if (found[0] == null) {
                throw new McpCallException("no response in SSE", body.toString());
            }
            return found[0];
        }
        JsonNode msg = readJson(body.toString());
        if (msg == null) {
            throw new McpCallException("not JSON", body.toString());
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
