package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deliberately raw MCP client over java.net.http: it sends exactly the bytes and headers a test
 * wants (including wrong ones) and shows exactly what came back.
 */
public final class McpHttp {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger IDS = new AtomicInteger(100);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI endpoint;
    private String sessionId;
    private String token;

    public McpHttp(URI endpoint) {
        this.endpoint = endpoint;
    }

    public McpHttp withToken(String bearer) {
        this.token = bearer;
        return this;
    }

    public String sessionId() {
        return sessionId;
    }

    /** initialize + notifications/initialized; remembers the session id. */
    public McpHttp initialize(String protocolVersion) throws Exception {
        HttpResponse<String> r = post(Map.of("jsonrpc", "2.0", "id", 1, "method", "initialize", "params", Map.of(
                "protocolVersion", protocolVersion, "capabilities", Map.of(),
                "clientInfo", Map.of("name", "test", "version", "1"))));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("initialize answered " + r.statusCode() + ": " + r.body());
        }
        sessionId = r.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(Map.of("jsonrpc", "2.0", "method", "notifications/initialized"));
        return this;
    }

    public McpHttp initialize() throws Exception {
        return initialize("2025-11-25");
    }

    /** A JSON-RPC request; answers the JSON-RPC response, whether it came as JSON or in an SSE stream. */
    public JsonNode request(String method, Object params) throws Exception {
        int id = IDS.incrementAndGet();
        HttpResponse<String> r = post(Map.of("jsonrpc", "2.0", "id", id, "method", method, "params", params));
        if (r.statusCode() != 200) {
            throw new IllegalStateException(method + " answered HTTP " + r.statusCode() + ": " + r.body());
        }
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            for (SseEvent e : SseEvent.parse(r.body())) {
                JsonNode msg = e.json();
                if (msg != null && msg.path("id").asInt(-1) == id) {
                    return msg;
                }
            }
            throw new IllegalStateException("no response in the SSE stream: " + r.body());
        }
        return JSON.readTree(r.body());
    }

    public JsonNode callTool(String name, Object arguments) throws Exception {
        return request("tools/call", Map.of("name", name, "arguments", arguments));
    }

    public HttpResponse<String> post(Object message) throws Exception {
        return send(builder().POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(message))).build());
    }

    public HttpResponse<String> postRaw(String body, String... headers) throws Exception {
        HttpRequest.Builder b = builder().POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.setHeader(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    public HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<InputStream> openStream(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** A request builder with the headers a well-behaved client sends. */
    public HttpRequest.Builder builder() {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
        if (sessionId != null) {
            b.header("Mcp-Session-Id", sessionId);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    /** One Server-Sent Event. */
    public record SseEvent(String id, String data) {

        public JsonNode json() {
            try {
                return data == null || data.isBlank() ? null : JSON.readTree(data);
            } catch (Exception e) {
                return null;
            }
        }

        public static List<SseEvent> parse(String body) {
            try {
                return read(new java.io.ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), events -> false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** Reads events from a live stream until {@code stop} says enough (or the stream ends). */
        public static List<SseEvent> read(InputStream in, java.util.function.Predicate<List<SseEvent>> stop) throws Exception {
            List<SseEvent> events = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String id = null;
            StringBuilder data = null;
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (id != null || data != null) {
                        events.add(new SseEvent(id, data == null ? null : data.toString()));
                        if (stop.test(events)) {
                            break;
                        }
                    }
                    id = null;
                    data = null;
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("data:")) {
                    data = (data == null ? new StringBuilder() : data.append('\n')).append(line.substring(5).trim());
                }
            }
            return events;
        }
    }
}
