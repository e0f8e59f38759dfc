package io.switchboard.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.SwitchboardProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * 10,000 adversarial requests against the built jar, from a seeded generator: mutated JSON-RPC
 * (wrong types, depth to 5,000, strings to 5 MB, control characters, duplicate and dangerous keys,
 * batches, random methods, real tools with random arguments) and raw HTTP abuse (wrong content
 * types, truncated and chunked garbage, 20 MB bodies). Nothing may answer 5xx, leak an internal
 * detail or leave a request without its JSON-RPC answer; the server stays alive with a bounded RSS.
 *
 * <p>The seed is printed; {@code -Dfuzz.seed=N} replays a run, {@code -Dfuzz.requests=N} sizes it.
 * A failure names the request that caused it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzIT {

    private static final String TOKEN = "fuzz-token-" + Long.toHexString(System.nanoTime());
    /** What must never reach a client: stack frames, class names, paths, drivers, the token. */
    private static final Pattern LEAK = Pattern.compile(
            "\\bat [\\w.$]+\\([\\w.]*(:\\d+)?\\)|\\b(java|javax|jdk|sun|io\\.switchboard|io\\.modelcontextprotocol|com\\.fasterxml|io\\.vertx|org\\.apache|org\\.sqlite|org\\.postgresql|reactor)\\.[a-z]"
                    + "|/(tmp|work|root|home|usr|opt)/|SQLITE_|PSQLException|NullPointerException|" + Pattern.quote(TOKEN));
    private static final List<String> METHODS = List.of("initialize", "ping", "tools/list", "tools/call", "resources/list",
            "resources/read", "resources/templates/list", "resources/subscribe", "resources/unsubscribe", "prompts/list",
            "prompts/get", "completion/complete", "logging/setLevel", "notifications/initialized", "notifications/cancelled",
            "server/discover", "subscriptions/listen");
    private static final String QUOTING = "\"'\\<>&{}[]%$;";
    private static final String[] DANGEROUS = {"__proto__", "constructor", "prototype", "__defineGetter__"};

    SwitchboardProcess server;
    McpHttp session;
    List<JsonNode> tools = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    long seed;
    SplittableRandom random;

    @BeforeAll
    void start() throws Exception {
        seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FuzzIT seed: " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        random = new SplittableRandom(seed);
        server = SwitchboardProcess.start(Map.of(
                "SWITCHBOARD_DATA_DIR", Files.createTempDirectory("switchboard-fuzz").toString(),
                "SWITCHBOARD_MCP_TOKENS", TOKEN,
                "SWITCHBOARD_RATE_LIMIT", "0",
                // Random connection strings must never make Switchboard dial anything real.
                "SWITCHBOARD_MQTT_ALLOWED_BROKERS", "127.0.0.1:1",
                "JAVA_TOOL_OPTIONS", "-Xmx384m"));
        session = new McpHttp(server.uri("/mcp")).withToken(TOKEN).initialize();
        session.request("tools/list", Map.of()).path("result").path("tools").forEach(tools::add);
        assertThat(tools).isNotEmpty();
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void tenThousandAdversarialRequests() throws Exception {
        int requests = Integer.getInteger("fuzz.requests", 10_000);
        long rssBefore = server.rssKilobytes();
        int answered5xx = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < requests && failures.size() < 10; i++) {
            Attempt a = next(i);
            try {
                String problem = a.run();
                if (problem != null) {
                    failures.add("#" + i + " " + a.describe() + ": " + problem);
                }
            } catch (java.io.IOException e) {
                // A connection the server closed on garbage is a fair answer; a dead server is not.
                if (!server.alive()) {
                    failures.add("#" + i + " " + a.describe() + ": the server died");
                    break;
                }
            }
        }
        long rssAfter = server.rssKilobytes();
        System.out.printf("FuzzIT: %d requests, seed %d, RSS %d MB -> %d MB%n", requests, seed, rssBefore / 1024, rssAfter / 1024);
        assertThat(failures).as("seed " + seed).isEmpty();
        assertThat(server.alive()).isTrue();
        JsonNode ping = new McpHttp(server.uri("/mcp")).withToken(TOKEN).initialize().request("ping", Map.of());
        assertThat(ping.has("result")).as("a fresh client is served after the run").isTrue();
        assertThat(rssAfter).as("RSS after the run, in kB (heap capped at 384 MB)").isLessThan(900L * 1024);
    }

    // ------------------------------------------------------------------ one request and what it must get

    private interface Attempt {
        /** Sends it; answers what was wrong with the answer, or null. */
        String run() throws Exception;

        String describe();
    }

    private Attempt next(int i) {
        int kind = random.nextInt(100);
        if (kind < 45) {
            return jsonRpc(toolCall());
        }
        if (kind < 75) {
            return jsonRpc(mutatedRequest());
        }
        if (kind < 82) {
            return jsonRpc(batch());
        }
        if (kind < 97) {
            return rawHttp();
        }
        return rawSocket();
    }

    /** A JSON-RPC message as text (built by hand only where the abuse is the text itself). */
    private record Message(String text, Object id, boolean isRequest, String label) {
    }

    private Attempt jsonRpc(Message m) {
        return new Attempt() {
            @Override
            public String run() throws Exception {
                HttpResponse<String> r = http.send(post(m.text()).build(), HttpResponse.BodyHandlers.ofString());
                return check(r, m);
            }

            @Override
            public String describe() {
                return m.label() + " " + clip(m.text());
            }
        };
    }

    private HttpRequest.Builder post(String body) {
        return HttpRequest.newBuilder(server.uri("/mcp")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + TOKEN)
                .header("Mcp-Session-Id", session.sessionId())
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private String check(HttpResponse<String> r, Message m) {
        if (r.statusCode() >= 500) {
            return "HTTP " + r.statusCode() + " " + clip(r.body());
        }
        if (LEAK.matcher(r.body()).find()) {
            return "leaks " + clip(leak(r.body()));
        }
        if (r.statusCode() == 200 && m.isRequest()) {
            String body = r.body();
            if (body.isBlank()) {
                return "an empty 200 for a request";
            }
            if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
                if (McpHttp.SseEvent.parse(body).stream().map(McpHttp.SseEvent::json)
                        .noneMatch(j -> j != null && (j.has("result") || j.has("error")))) {
                    return "an SSE stream with no response";
                }
            } else {
                try {
                    JsonNode j = McpHttp.JSON.readTree(body);
                    if (!j.isArray() && !j.has("result") && !j.has("error")) {
                        return "a 200 that is not a JSON-RPC response: " + clip(body);
                    }
                    if (j.path("error").path("code").asInt() == -32603
                            || "internal_error".equals(j.path("result").path("structuredContent").path("error_code").asText())) {
                        return "internal error for a client's mistake: " + clip(body);
                    }
                } catch (Exception e) {
                    return "a 200 that is not JSON: " + clip(body);
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ generators

    private Message toolCall() {
        JsonNode tool = tools.get(random.nextInt(tools.size()));
        Map<String, Object> args = new java.util.LinkedHashMap<>();
        tool.path("inputSchema").path("properties").fieldNames().forEachRemaining(name -> {
            if (random.nextInt(3) > 0) {
                args.put(name, value(0));
            }
        });
        if (random.nextInt(5) == 0) {
            args.put(DANGEROUS[random.nextInt(DANGEROUS.length)], value(0));
        }
        if (random.nextInt(8) == 0) {
            args.put(randomString(12), deep(random.nextInt(5_000)));
        }
        Object arguments = random.nextInt(10) == 0 ? json(args) : args;   // an object sent as a JSON string
        return request("tools/call", nullable("name", tool.path("name").asText(), "arguments", arguments), "tool " + tool.path("name").asText());
    }

    private Message mutatedRequest() {
        String method = random.nextInt(4) == 0 ? randomString(1 + random.nextInt(40)) : METHODS.get(random.nextInt(METHODS.size()));
        Object params = switch (random.nextInt(6)) {
            case 0 -> value(0);
            case 1 -> deep(random.nextInt(5_000));
            case 2 -> nullable("uri", value(0), "name", value(0), "level", value(0), "cursor", value(0));
            case 3 -> nullable("_meta", nullable("io.modelcontextprotocol/protocolVersion", value(0)), "name", value(0));
            default -> randomMap(2);
        };
        Object id = switch (random.nextInt(5)) {
            case 0 -> null;
            case 1 -> randomString(10);
            case 2 -> random.nextDouble();
            case 3 -> Map.of("x", 1);
            default -> random.nextInt();
        };
        String label = "method " + clip(method);
        if (random.nextInt(6) == 0) {
            // Duplicate keys and a control character in the text itself.
            String text = "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"" + method.replace("\"", "") + "\u0001\",\"params\":{}}";
            return new Message(text, 2, true, label + " (duplicate keys)");
        }
        Map<String, Object> msg = new java.util.LinkedHashMap<>();
        msg.put("jsonrpc", random.nextInt(10) == 0 ? "1.0" : "2.0");
        if (id != null) {
            msg.put("id", id);
        }
        msg.put("method", method);
        msg.put("params", params);
        boolean wellFormedRequest = id != null && "2.0".equals(msg.get("jsonrpc")) && !(id instanceof Map);
        return new Message(json(msg), id, wellFormedRequest, label);
    }

    private Message batch() {
        List<Object> items = new ArrayList<>();
        int n = random.nextInt(20);
        for (int k = 0; k < n; k++) {
            items.add(nullable("jsonrpc", "2.0", "id", k, "method", METHODS.get(random.nextInt(METHODS.size())), "params", randomMap(1)));
        }
        return new Message(json(items), null, false, "batch of " + n);
    }

    private Message request(String method, Object params, String label) {
        int id = random.nextInt(1_000_000);
        return new Message(json(Map.of("jsonrpc", "2.0", "id", id, "method", method, "params", params)), id, true, label);
    }

    private Attempt rawHttp() {
        int kind = random.nextInt(6);
        return new Attempt() {
            @Override
            public String run() throws Exception {
                HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(random.nextInt(5) == 0 ? "/mcp/" + randomPathSegment() : "/mcp"))
                        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + TOKEN);
                switch (kind) {
                    case 0 -> b.header("Content-Type", random.nextBoolean() ? "text/plain" : "application/xml")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"));
                    case 1 -> b.header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/li"));
                    case 2 -> b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofInputStream(
                            () -> new java.io.ByteArrayInputStream(garbage(random.nextInt(64 * 1024)))));   // chunked, no length
                    case 3 -> b.header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[20 * 1024 * 1024]));
                    case 4 -> b.method(random.nextBoolean() ? "PUT" : "PATCH", HttpRequest.BodyPublishers.ofString("{}"));
                    default -> b.header("Accept", "image/png").header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(json(Map.of("jsonrpc", "2.0", "id", 1, "method", "ping"))));
                }
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() >= 500) {
                    return "HTTP " + r.statusCode() + " " + clip(r.body());
                }
                return LEAK.matcher(r.body()).find() ? "leaks " + clip(leak(r.body())) : null;
            }

            @Override
            public String describe() {
                return "raw HTTP abuse " + kind;
            }
        };
    }

    private Attempt rawSocket() {
        boolean chunked = random.nextBoolean();
        byte[] junk = garbage(random.nextInt(2048));
        return new Attempt() {
            @Override
            public String run() throws Exception {
                try (Socket s = new Socket("127.0.0.1", server.port())) {
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    String head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nAuthorization: Bearer " + TOKEN
                            + "\r\nContent-Type: application/json\r\n"
                            + (chunked ? "Transfer-Encoding: chunked\r\n\r\nzz\r\n" : "Content-Length: 100000\r\n\r\n");
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    out.write(junk);
                    out.flush();
                    s.shutdownOutput();   // truncated: the promised body never comes
                    InputStream in = s.getInputStream();
                    String answer = new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1);
                    if (answer.startsWith("HTTP/1.1 5")) {
                        return "answered " + answer.lines().findFirst().orElse("");
                    }
                    return LEAK.matcher(answer).find() ? "leaks " + clip(leak(answer)) : null;
                }
            }

            @Override
            public String describe() {
                return (chunked ? "bad chunked body" : "truncated body") + " of " + junk.length + " bytes";
            }
        };
    }

    private Object value(int depth) {
        return switch (random.nextInt(depth > 2 ? 6 : 9)) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> random.nextLong();
            case 3 -> random.nextDouble() * 1e12;
            case 4 -> randomString(random.nextInt(64));
            case 5 -> random.nextInt(200) == 0 ? "x".repeat(1 + random.nextInt(5 * 1024 * 1024)) : randomString(random.nextInt(20_000));
            case 6 -> randomMap(depth + 1);
            case 7 -> {
                List<Object> l = new ArrayList<>();
                int n = random.nextInt(30) == 0 ? 1_001 + random.nextInt(2_000) : random.nextInt(5);
                for (int k = 0; k < n; k++) {
                    l.add(k < 5 ? value(depth + 1) : k);
                }
                yield l;
            }
            default -> deep(1 + random.nextInt(200));
        };
    }

    /** Map.of that takes nulls: a null value is one of the things a client sends. */
    private static Map<String, Object> nullable(Object... keysAndValues) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int k = 0; k < keysAndValues.length; k += 2) {
            m.put((String) keysAndValues[k], keysAndValues[k + 1]);
        }
        return m;
    }

    private Map<String, Object> randomMap(int depth) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        int n = random.nextInt(30) == 0 ? 101 + random.nextInt(100) : random.nextInt(5);
        for (int k = 0; k < n; k++) {
            m.put(random.nextInt(10) == 0 ? DANGEROUS[random.nextInt(DANGEROUS.length)] + k : randomString(1 + random.nextInt(10)),
                    depth > 3 || k > 5 ? k : value(depth + 1));
        }
        return m;
    }

    /** {"d":[{"d":[… "bottom" …]}]} nested {@code levels} deep, written as text (too deep for the writer's own limit). */
    private Object deep(int levels) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < levels; k++) {
            b.append(k % 2 == 0 ? "{\"d\":" : "[");
        }
        b.append("\"bottom\"");
        for (int k = levels - 1; k >= 0; k--) {
            b.append(k % 2 == 0 ? "}" : "]");
        }
        return new RawJson(b.toString());
    }

    /** JSON text the writer copies as it is. */
    record RawJson(@JsonValue @JsonRawValue String json) {
    }

    private String randomString(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int k = 0; k < length; k++) {
            int pick = random.nextInt(20);
            b.appendCodePoint(pick == 0 ? random.nextInt(0x20)                 // control characters, NUL included
                    : pick == 1 ? 0x80 + random.nextInt(0x2000)                  // beyond ASCII
                    : pick == 2 ? 0x1F600 + random.nextInt(0x50)                 // astral (surrogate pairs)
                    : pick == 3 ? QUOTING.charAt(random.nextInt(QUOTING.length()))   // quoting and markup
                    : 'a' + random.nextInt(26));
        }
        return b.toString();
    }

    private String randomPathSegment() {
        return List.of("xmpp", "mqtt", "broker", "nope", "..%2f..", "%00", "x".repeat(300)).get(random.nextInt(7));
    }

    private byte[] garbage(int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) random.nextInt(256);
        }
        return b;
    }

    private static String json(Object o) {
        try {
            return McpHttp.JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String leak(String body) {
        var m = LEAK.matcher(body);
        if (!m.find()) {
            return body;
        }
        int from = Math.max(0, m.start() - 100);
        return body.substring(from, Math.min(body.length(), m.end() + 100));
    }

    private static String clip(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…(" + s.length() + " chars)" : s;
    }
}
