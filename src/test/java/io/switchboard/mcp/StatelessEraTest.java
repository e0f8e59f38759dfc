package io.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.McpHttp.SseEvent;
import io.switchboard.testing.RunningSwitchboard;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MCP 2026-07-28 on the wire, byte for byte, beside the 2025 era on the same endpoint: what a
 * stateless client sends, what it must get back, and what it must be refused.
 */
class StatelessEraTest {

    static final String V2026 = "2026-07-28";
    static final Map<String, Object> META = Map.of(
            "io.modelcontextprotocol/protocolVersion", V2026,
            "io.modelcontextprotocol/clientCapabilities", Map.of("elicitation", Map.of()),
            "io.modelcontextprotocol/clientInfo", Map.of("name", "stateless-test", "version", "1"));
    static RunningSwitchboard switchboard;

    @BeforeAll
    static void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of("switchboard.routes.dir", TestRoutes.dir()));
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    /** A POST with the headers a 2026-07-28 client sends; {@code headers} override or add. */
    static HttpResponse<String> post(String method, Map<String, Object> params, String... headers) throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp"));
        Map<String, Object> body = new LinkedHashMap<>(Map.of("jsonrpc", "2.0", "id", 41, "method", method));
        body.put("params", params);
        HttpRequest.Builder b = mcp.builder().POST(HttpRequest.BodyPublishers.ofString(McpHttp.JSON.writeValueAsString(body)))
                .header("MCP-Protocol-Version", V2026).header("Mcp-Method", method);
        Object name = params.get("name") != null ? params.get("name") : params.get("uri");
        if (name != null) {
            b.header("Mcp-Name", String.valueOf(name));
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.setHeader(headers[i], headers[i + 1]);
        }
        return mcp.send(b.build());
    }

    static Map<String, Object> params(Object... kv) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put((String) kv[i], kv[i + 1]);
        }
        p.putIfAbsent("_meta", META);
        return p;
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return McpHttp.JSON.readTree(r.body());
    }

    @Test
    void discoverNamesVersionsCapabilitiesAndTheServer() throws Exception {
        HttpResponse<String> r = post("server/discover", params());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode result = json(r).path("result");
        assertThat(result.path("resultType").asText()).isEqualTo("complete");
        assertThat(result.path("supportedVersions").toString()).contains(V2026, "2025-11-25");
        assertThat(result.path("capabilities").path("tools").path("listChanged").asBoolean()).isTrue();
        assertThat(result.path("_meta").path("io.modelcontextprotocol/serverInfo").path("name").asText()).isEqualTo("switchboard");
        assertThat(r.headers().firstValue("Mcp-Session-Id")).isEmpty();
    }

    @Test
    void listsCarryResultTypeServerInfoAndCacheHints() throws Exception {
        JsonNode result = json(post("tools/list", params())).path("result");
        assertThat(result.path("resultType").asText()).isEqualTo("complete");
        assertThat(result.path("tools").findValuesAsText("name")).contains("test_echo", "test_confirm");
        assertThat(result.path("ttlMs").isIntegralNumber()).isTrue();
        assertThat(result.path("cacheScope").asText()).isIn("public", "private");
        assertThat(result.path("_meta").path("io.modelcontextprotocol/serverInfo").path("version").asText()).isNotBlank();
    }

    @Test
    void aToolCallAnswersWithoutAnySession() throws Exception {
        HttpResponse<String> r = post("tools/call", params("name", "test_echo", "arguments", Map.of("text", "hi")));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode result = json(r).path("result");
        assertThat(result.path("resultType").asText()).isEqualTo("complete");
        assertThat(result.path("structuredContent").path("text").asText()).isEqualTo("hi");
        // The guard's argument limits apply in this era too.
        JsonNode tooLong = json(post("tools/call", params("name", "test_echo", "arguments", Map.of("text", "x".repeat(51)))));
        assertThat(tooLong.path("result").path("structuredContent").path("error_code").asText()).isEqualTo("validation_error");
    }

    @Test
    void requestsMissingTheirMetaAreInvalidParams() throws Exception {
        HttpResponse<String> r = post("tools/list", Map.of());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(json(r).path("id").asInt()).isEqualTo(41);
    }

    @Test
    void headersThatDisagreeWithTheBodyAreAHeaderMismatch() throws Exception {
        HttpResponse<String> method = post("tools/list", params(), "Mcp-Method", "prompts/list");
        assertThat(method.statusCode()).isEqualTo(400);
        assertThat(json(method).path("error").path("code").asInt()).isEqualTo(-32020);
        HttpResponse<String> name = post("tools/call", params("name", "test_echo", "arguments", Map.of()), "Mcp-Name", "test_fail");
        assertThat(json(name).path("error").path("code").asInt()).isEqualTo(-32020);
        // A Base64-encoded Mcp-Name is decoded before it is compared.
        HttpResponse<String> encoded = post("tools/call", params("name", "test_echo", "arguments", Map.of()),
                "Mcp-Name", "=?base64?dGVzdF9lY2hv?=");
        assertThat(encoded.statusCode()).isEqualTo(200);
        Map<String, Object> v999 = new LinkedHashMap<>(META);
        v999.put("io.modelcontextprotocol/protocolVersion", "v999");
        HttpResponse<String> version = post("tools/list", Map.of("_meta", v999));
        assertThat(json(version).path("error").path("code").asInt()).isEqualTo(-32020);
    }

    @Test
    void anUnknownVersionListsTheSupportedOnes() throws Exception {
        Map<String, Object> v999 = new LinkedHashMap<>(META);
        v999.put("io.modelcontextprotocol/protocolVersion", "v999");
        HttpResponse<String> r = post("server/discover", Map.of("_meta", v999), "MCP-Protocol-Version", "v999");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = json(r).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32022);
        assertThat(error.path("data").path("requested").asText()).isEqualTo("v999");
        assertThat(error.path("data").path("supported").toString()).contains(V2026);
    }

    @Test
    void methodsOfTheOldEraAreNotFoundAndGetAndDeleteAreNotAllowed() throws Exception {
        for (String method : List.of("ping", "logging/setLevel", "resources/subscribe", "initialize", "no/such")) {
            HttpResponse<String> r = post(method, params());
            assertThat(r.statusCode()).as(method).isEqualTo(404);
            assertThat(json(r).path("error").path("code").asInt()).as(method).isEqualTo(-32601);
        }
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp"));
        for (String verb : List.of("GET", "DELETE")) {
            HttpResponse<String> r = mcp.send(mcp.builder().method(verb, HttpRequest.BodyPublishers.noBody())
                    .header("MCP-Protocol-Version", V2026).build());
            assertThat(r.statusCode()).as(verb).isEqualTo(405);
        }
    }

    @Test
    void anElicitationIsAnInputRequiredRoundTripWithSignedState() throws Exception {
        JsonNode first = json(post("tools/call", params("name", "test_confirm", "arguments", Map.of("item", "launch")))).path("result");
        assertThat(first.path("resultType").asText()).isEqualTo("input_required");
        JsonNode ask = first.path("inputRequests").path("confirm");
        assertThat(ask.path("method").asText()).isEqualTo("elicitation/create");
        assertThat(ask.path("params").path("message").asText()).isEqualTo("Really?");
        String state = first.path("requestState").asText();
        assertThat(state).isNotBlank();

        Map<String, Object> answer = Map.of("confirm", Map.of("action", "accept", "content", Map.of("ok", true)));
        JsonNode done = json(post("tools/call", params("name", "test_confirm", "arguments", Map.of("item", "launch"),
                "inputResponses", answer, "requestState", state))).path("result");
        assertThat(done.path("resultType").asText()).isEqualTo("complete");
        assertThat(done.path("structuredContent").path("result").asText()).isEqualTo("launch confirmed=true");

        // An altered state, or one issued for another tool, is refused.
        HttpResponse<String> tampered = post("tools/call", params("name", "test_confirm", "arguments", Map.of(),
                "inputResponses", answer, "requestState", state.substring(0, state.length() - 2) + "xx"));
        assertThat(tampered.statusCode()).isEqualTo(400);
        assertThat(json(tampered).path("error").path("code").asInt()).isEqualTo(-32602);
        HttpResponse<String> elsewhere = post("tools/call", params("name", "test_echo", "arguments", Map.of(),
                "inputResponses", answer, "requestState", state));
        assertThat(json(elsewhere).path("error").path("code").asInt()).isEqualTo(-32602);
    }

    @Test
    void askingAClientThatCannotAnswerIsAMissingCapability() throws Exception {
        Map<String, Object> noElicitation = new LinkedHashMap<>(META);
        noElicitation.put("io.modelcontextprotocol/clientCapabilities", Map.of());
        HttpResponse<String> r = post("tools/call", Map.of("name", "test_confirm", "arguments", Map.of(), "_meta", noElicitation));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = json(r).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32021);
        assertThat(error.path("data").path("requiredCapabilities").path("elicitation").isObject()).isTrue();
    }

    @Test
    void logLinesGoOnlyToClientsThatSetALogLevel() throws Exception {
        HttpResponse<String> silent = post("tools/call", params("name", "test_progress", "arguments", Map.of(),
                "_meta", withMeta("progressToken", "p1")));
        assertThat(silent.body()).contains("notifications/progress").doesNotContain("notifications/message");
        HttpResponse<String> chatty = post("tools/call", params("name", "test_progress", "arguments", Map.of(),
                "_meta", withMeta("io.modelcontextprotocol/logLevel", "info")));
        assertThat(chatty.body()).contains("notifications/message").contains("starting");
    }

    static Map<String, Object> withMeta(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(META);
        m.put(key, value);
        return m;
    }

    @Test
    void aListenerGetsItsAcknowledgementFirstThenOnlyWhatItAskedFor() throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp"));
        Map<String, Object> body = Map.of("jsonrpc", "2.0", "id", "sub-1", "method", "subscriptions/listen", "params",
                params("notifications", Map.of("resourceSubscriptions", List.of("test://watched"))));
        HttpResponse<InputStream> stream = mcp.openStream(mcp.builder()
                .POST(HttpRequest.BodyPublishers.ofString(McpHttp.JSON.writeValueAsString(body)))
                .header("MCP-Protocol-Version", V2026).header("Mcp-Method", "subscriptions/listen").build());
        assertThat(stream.statusCode()).isEqualTo(200);
        CompletableFuture<List<SseEvent>> events = CompletableFuture.supplyAsync(() -> {
            try {
                return SseEvent.read(stream.body(), evs -> evs.stream().anyMatch(e -> e.json() != null
                        && "notifications/resources/updated".equals(e.json().path("method").asText())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Notifier notifier = switchboard.camel().getRegistry().lookupByNameAndType("mcpNotifier", Notifier.class);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> notifier.isListening("test://watched"));
        notifier.resourceUpdated("test://other");
        notifier.resourceUpdated("test://watched");
        List<SseEvent> got = events.get(15, TimeUnit.SECONDS);
        stream.body().close();
        JsonNode ack = got.get(0).json();
        assertThat(ack.path("method").asText()).isEqualTo("notifications/subscriptions/acknowledged");
        assertThat(ack.path("params").path("_meta").path("io.modelcontextprotocol/subscriptionId").asText()).isEqualTo("sub-1");
        assertThat(ack.path("params").path("notifications").path("resourceSubscriptions").toString()).contains("test://watched");
        List<JsonNode> updates = got.stream().map(SseEvent::json)
                .filter(j -> "notifications/resources/updated".equals(j.path("method").asText())).toList();
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("params").path("uri").asText()).isEqualTo("test://watched");
        assertThat(updates.get(0).path("params").path("_meta").path("io.modelcontextprotocol/subscriptionId").asText())
                .isEqualTo("sub-1");
    }

    @Test
    void theStatefulEraIsUntouchedOnTheSameEndpoint() throws Exception {
        McpHttp legacy = new McpHttp(switchboard.uri("/mcp")).initialize();
        assertThat(legacy.sessionId()).isNotBlank();
        assertThat(legacy.callTool("test_echo", Map.of("text", "old")).path("result").path("structuredContent").path("text").asText())
                .isEqualTo("old");
    }
}
