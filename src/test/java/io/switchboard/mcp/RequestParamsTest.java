package io.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Params of the wrong shape get their JSON-RPC answer, -32602, in words and not in Java types, in
 * both eras; object arguments sent as JSON text are accepted.
 */
class RequestParamsTest {

    static RunningSwitchboard switchboard;
    static McpHttp mcp;

    @BeforeAll
    static void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of("switchboard.routes.dir", TestRoutes.dir()));
        StatelessEraTest.switchboard = switchboard;
        mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    /** A 2025-era request; answers the JSON-RPC response after checking it is one. */
    static JsonNode legacy(String method, Object params) throws Exception {
        HttpResponse<String> r = mcp.post(Map.of("jsonrpc", "2.0", "id", 5, "method", method, "params", params));
        assertThat(r.body()).as(method + " " + params).isNotBlank();
        JsonNode j = McpHttp.JSON.readTree(r.body());
        assertThat(j.path("id").asInt()).isEqualTo(5);
        return j;
    }

    static void invalidParams(JsonNode answer) {
        assertThat(answer.path("error").path("code").asInt()).as(answer.toString()).isEqualTo(-32602);
        assertThat(answer.path("error").path("message").asText())
                .doesNotContainPattern("java\\.|io\\.modelcontextprotocol|\\$|Exception|LinkedHashMap");
    }

    @Test
    void wrongShapesAreInvalidParamsInThe2025Era() throws Exception {
        invalidParams(legacy("completion/complete", Map.of()));
        invalidParams(legacy("logging/setLevel", Map.of("level", Map.of("x", 1))));
        invalidParams(legacy("logging/setLevel", Map.of("level", "loud")));
        invalidParams(legacy("tools/call", Map.of("name", Map.of())));
        invalidParams(legacy("tools/call", Map.of("name", "switchboard_info", "arguments", "not json")));
        invalidParams(legacy("tools/call", Map.of("name", "switchboard_info", "arguments", 42)));
        invalidParams(legacy("resources/subscribe", 5.5));
        invalidParams(legacy("resources/read", Map.of("uri", true)));
        invalidParams(legacy("prompts/get", Map.of("name", "x", "_meta", "nope")));
    }

    @Test
    void anUnknownResourceIsInvalidParams() throws Exception {
        invalidParams(legacy("resources/read", Map.of("uri", "mqtt://no-such-session/some%2Ftopic")));
        invalidParams(legacy("resources/read", Map.of("uri", "nowhere://at/all")));
    }

    @Test
    void objectArgumentsAsJsonTextAreAccepted() throws Exception {
        JsonNode answer = legacy("tools/call", Map.of("name", "switchboard_info", "arguments", "{}"));
        assertThat(answer.path("result").path("isError").asBoolean()).as(answer.toString()).isFalse();
    }

    @Test
    void wrongShapesAreInvalidParamsInThe2026Era() throws Exception {
        HttpResponse<String> r = StatelessEraTest.post("completion/complete", StatelessEraTest.params());
        assertThat(r.statusCode()).isEqualTo(400);
        invalidParams(StatelessEraTest.json(r));
        r = StatelessEraTest.post("tools/call", StatelessEraTest.params("name", "switchboard_info", "arguments", "[1]"));
        invalidParams(StatelessEraTest.json(r));
        r = StatelessEraTest.post("tools/call", StatelessEraTest.params("name", "switchboard_info", "arguments", "{}"));
        assertThat(StatelessEraTest.json(r).path("result").path("isError").asBoolean()).as(r.body()).isFalse();
    }
}
