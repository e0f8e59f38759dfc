package io.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A tool whose declaration says {@code blocking: false} runs on the event loop that read the call,
 * with no hop to the worker pools; it is still guarded, validated and answered with the error
 * envelope like any other tool, in both MCP eras. Every other tool keeps running off the loop.
 */
class NonBlockingToolTest {

    static RunningSwitchboard switchboard;

    @BeforeAll
    static void start() throws Exception {
        // The rate limit is per address and every call here comes from 127.0.0.1: the burst below is
        // about the event loop, not the limiter, so the limiter is off.
        switchboard = RunningSwitchboard.start(Map.of("switchboard.routes.dir", routesDir(),
                "switchboard.mcp.rate-limit-per-second", "0"));
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    static String routesDir() throws URISyntaxException {
        return Path.of(NonBlockingToolTest.class.getResource("/in-place-routes").toURI()).toString();
    }

    static McpHttp session() throws Exception {
        return new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    static String thread(JsonNode reply) {
        return reply.path("result").path("structuredContent").path("result").asText();
    }

    @Test
    void aToolDeclaredNonBlockingRunsOnTheEventLoopAndTheDefaultRunsOnWorkers() throws Exception {
        McpHttp mcp = session();
        JsonNode inPlace = mcp.callTool("in_place_where", Map.of("text", "hi"));
        assertThat(inPlace.path("result").path("isError").asBoolean()).isFalse();
        assertThat(thread(inPlace)).startsWith("vert.x-eventloop-thread");

        JsonNode worker = mcp.callTool("worker_where", Map.of("text", "hi"));
        assertThat(worker.path("result").path("isError").asBoolean()).isFalse();
        assertThat(thread(worker)).contains("mcp-routes").doesNotContain("eventloop");
    }

    @Test
    void manyConcurrentCallsOnTheLoopAllAnswer() throws Exception {
        List<McpHttp> sessions = IntStream.range(0, 8).mapToObj(i -> {
            try {
                return session();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        List<CompletableFuture<JsonNode>> calls = IntStream.range(0, 200)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                    try {
                        return sessions.get(i % sessions.size()).callTool("in_place_where", Map.of("text", "n" + i));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }))
                .toList();
        for (CompletableFuture<JsonNode> call : calls) {
            assertThat(thread(call.get())).startsWith("vert.x-eventloop-thread");
        }
    }

    @Test
    void argumentsAreStillValidatedAndGuarded() throws Exception {
        McpHttp mcp = session();
        // The schema's maxLength.
        JsonNode tooLong = mcp.callTool("in_place_where", Map.of("text", "far more than ten characters"));
        JsonNode envelope = tooLong.path("result").path("structuredContent");
        assertThat(tooLong.path("result").path("isError").asBoolean()).isTrue();
        assertThat(envelope.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(envelope.path("error").asText()).contains("$.text");
        assertThat(envelope.path("correlation_id").asText()).isNotBlank();
        // A required argument missing.
        JsonNode missing = mcp.callTool("in_place_where", Map.of());
        assertThat(missing.path("result").path("structuredContent").path("error_code").asText()).isEqualTo("validation_error");
    }

    @Test
    void aFailingRouteAnswersTheEnvelopeWithoutItsSecrets() throws Exception {
        JsonNode failed = session().callTool("in_place_fail", Map.of());
        JsonNode result = failed.path("result");
        assertThat(result.path("isError").asBoolean()).isTrue();
        JsonNode envelope = result.path("structuredContent");
        assertThat(envelope.path("error_code").asText()).isEqualTo("internal_error");
        assertThat(envelope.path("operation").asText()).isEqualTo("in_place_fail");
        assertThat(envelope.path("correlation_id").asText()).isNotBlank();
        assertThat(result.toString()).doesNotContain("hunter2", "/etc/switchboard", "IllegalStateException");
    }

    @Test
    void theStatelessEraRunsItInPlaceToo() throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp"));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", "in_place_where");
        params.put("arguments", Map.of("text", "hi"));
        params.put("_meta", Map.of(
                "io.modelcontextprotocol/protocolVersion", StatelessEraTest.V2026,
                "io.modelcontextprotocol/clientCapabilities", Map.of(),
                "io.modelcontextprotocol/clientInfo", Map.of("name", "in-place-test", "version", "1")));
        Map<String, Object> body = Map.of("jsonrpc", "2.0", "id", 5, "method", "tools/call", "params", params);
        HttpResponse<String> r = mcp.send(mcp.builder()
                .POST(HttpRequest.BodyPublishers.ofString(McpHttp.JSON.writeValueAsString(body)))
                .header("MCP-Protocol-Version", StatelessEraTest.V2026)
                .header("Mcp-Method", "tools/call")
                .header("Mcp-Name", "in_place_where")
                .build());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode reply = McpHttp.JSON.readTree(r.body());
        assertThat(thread(reply)).startsWith("vert.x-eventloop-thread");
    }
}
