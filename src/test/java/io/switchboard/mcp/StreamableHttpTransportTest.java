package io.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.McpHttp.SseEvent;
import io.switchboard.testing.RunningSwitchboard;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Streamable HTTP transport as a client sees it, byte for byte. */
class StreamableHttpTransportTest {

    static RunningSwitchboard switchboard;

    @BeforeAll
    static void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of("switchboard.routes.dir", TestRoutes.dir()));
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    McpHttp client() {
        return new McpHttp(switchboard.uri("/mcp"));
    }

    @Test
    void initializeAnswersJsonWithASessionId() throws Exception {
        McpHttp mcp = client().initialize("2025-06-18");
        assertThat(mcp.sessionId()).isNotBlank();
        JsonNode tools = mcp.request("tools/list", Map.of());
        assertThat(tools.path("result").path("tools").findValuesAsText("name")).contains("switchboard_info", "test_echo");
    }

    @Test
    void aReplyThatIsTheOnlyMessageComesAsJson() throws Exception {
        McpHttp mcp = client().initialize();
        HttpResponse<String> r = mcp.post(Map.of("jsonrpc", "2.0", "id", 7, "method", "tools/call",
                "params", Map.of("name", "test_echo", "arguments", Map.of("text", "hi"))));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        JsonNode body = McpHttp.JSON.readTree(r.body());
        assertThat(body.path("id").asInt()).isEqualTo(7);
        assertThat(body.path("result").path("structuredContent").path("text").asText()).isEqualTo("hi");
    }

    @Test
    void notificationsBeforeTheReplyTurnTheAnswerIntoSse() throws Exception {
        McpHttp mcp = client().initialize();
        HttpResponse<String> r = mcp.post(Map.of("jsonrpc", "2.0", "id", 8, "method", "tools/call",
                "params", Map.of("name", "test_progress", "arguments", Map.of(), "_meta", Map.of("progressToken", "p1"))));
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        List<SseEvent> events = SseEvent.parse(r.body());
        List<String> methods = events.stream().map(SseEvent::json).filter(j -> j != null && j.has("method"))
                .map(j -> j.get("method").asText()).toList();
        assertThat(methods).containsExactly("notifications/message", "notifications/progress",
                "notifications/progress", "notifications/progress");
        JsonNode last = events.get(events.size() - 1).json();
        assertThat(last.path("id").asInt()).isEqualTo(8);
        assertThat(last.path("result").path("structuredContent").path("done").asBoolean()).isTrue();
        // Priming event first (2025-11-25 client): an id and no data, so even that can be resumed.
        assertThat(events.get(0).id()).isNotBlank();
        assertThat(events.get(0).data()).isEmpty();
    }

    @Test
    void aDroppedStreamResumesWithLastEventIdMissingNothing() throws Exception {
        McpHttp mcp = client().initialize();
        HttpResponse<String> first = mcp.post(Map.of("jsonrpc", "2.0", "id", 9, "method", "tools/call",
                "params", Map.of("name", "test_resumable", "arguments", Map.of(), "_meta", Map.of("progressToken", "r1"))));
        // The server closed the stream mid-call: the first part ends without the result.
        List<SseEvent> before = SseEvent.parse(first.body());
        assertThat(before).noneMatch(e -> e.json() != null && e.json().has("result"));
        String lastId = before.get(before.size() - 1).id();
        assertThat(lastId).isNotBlank();

        HttpRequest resume = mcp.builder().GET().header("Last-Event-ID", lastId).build();
        HttpResponse<InputStream> r = mcp.openStream(resume);
        assertThat(r.statusCode()).isEqualTo(200);
        List<SseEvent> after = SseEvent.read(r.body(), evs -> evs.stream().anyMatch(e -> e.json() != null && e.json().has("result")));
        List<String> messages = after.stream().map(SseEvent::json).filter(j -> j != null)
                .map(j -> j.has("result") ? "result" : j.path("params").path("message").asText()).toList();
        assertThat(messages).containsExactly("missed one", "missed two", "result");
        // Ids continue where the client left off: nothing replayed twice.
        assertThat(after).extracting(SseEvent::id).doesNotContain(lastId);
    }

    @Test
    void sessionRulesOnHeaders() throws Exception {
        McpHttp mcp = client().initialize();
        // No session header on a non-initialize request: 400.
        HttpResponse<String> missing = client().post(Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/list"));
        assertThat(missing.statusCode()).isEqualTo(400);
        // An unknown session: 404, so the client knows to initialize again.
        HttpResponse<String> unknown = client().postRaw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
                "Mcp-Session-Id", "no-such-session");
        assertThat(unknown.statusCode()).isEqualTo(404);
        // Unsupported protocol version header: 400.
        HttpResponse<String> version = mcp.postRaw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
                "MCP-Protocol-Version", "1999-01-01");
        assertThat(version.statusCode()).isEqualTo(400);
        // A client that cannot take SSE: 406. A body that is not JSON by type: 415.
        assertThat(mcp.postRaw("{}", "Accept", "application/json").statusCode()).isEqualTo(406);
        assertThat(mcp.postRaw("{}", "Content-Type", "text/plain").statusCode()).isEqualTo(415);
        // Other methods: 405 with Allow.
        HttpResponse<String> put = mcp.send(mcp.builder().PUT(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).isPresent();
    }

    @Test
    void deleteEndsTheSession() throws Exception {
        McpHttp mcp = client().initialize();
        HttpResponse<String> deleted = mcp.send(mcp.builder().DELETE().build());
        assertThat(deleted.statusCode()).isEqualTo(200);
        HttpResponse<String> after = mcp.post(Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/list"));
        assertThat(after.statusCode()).isEqualTo(404);
    }

    @Test
    void oneListeningStreamPerSessionWithAPrimingEvent() throws Exception {
        McpHttp mcp = client().initialize();
        HttpResponse<InputStream> first = mcp.openStream(mcp.builder().GET().build());
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        List<SseEvent> priming = SseEvent.read(first.body(), evs -> true);
        assertThat(priming.get(0).id()).isNotBlank();
        HttpResponse<String> second = mcp.send(mcp.builder().GET().build());
        assertThat(second.statusCode()).isEqualTo(409);
        first.body().close();
    }

    @Test
    void systemsAreServedOnTheirOwnEndpointUnderTheirOriginNames() throws Exception {
        McpHttp combined = client().initialize();
        assertThat(combined.request("tools/list", Map.of()).path("result").path("tools").findValuesAsText("name"))
                .contains("demo_echo").doesNotContain("echo");
        McpHttp demo = new McpHttp(switchboard.uri("/mcp/demo")).initialize();
        List<String> names = demo.request("tools/list", Map.of()).path("result").path("tools").findValuesAsText("name");
        assertThat(names).containsExactly("echo");
        JsonNode r = demo.callTool("echo", Map.of("text", "hello"));
        assertThat(r.path("result").path("structuredContent").path("result").asText()).isEqualTo("hello");
        HttpResponse<String> none = new McpHttp(switchboard.uri("/mcp/nosuchsystem")).post(Map.of("jsonrpc", "2.0", "id", 1,
                "method", "initialize", "params", Map.of()));
        assertThat(none.statusCode()).isEqualTo(404);
    }
}
