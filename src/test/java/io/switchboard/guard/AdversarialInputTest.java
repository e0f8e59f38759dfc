package io.switchboard.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile and broken input: every case gets the right status or error, never a 500, never a
 * stack trace, path or secret, and the server keeps serving afterwards.
 */
class AdversarialInputTest {

    static RunningSwitchboard switchboard;
    McpHttp mcp;

    @BeforeAll
    static void start() throws Exception {
        String routes = Path.of(AdversarialInputTest.class.getResource("/gateway-routes").toURI()).toString();
        switchboard = RunningSwitchboard.start(Map.of("switchboard.routes.dir", routes,
                "switchboard.mcp.max-body-bytes", "1048576"));
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    @AfterEach
    void stillServing() throws Exception {
        // Whatever the previous request did, a normal call still works.
        JsonNode ok = new McpHttp(switchboard.uri("/mcp")).initialize().callTool("test_echo", Map.of("text", "alive"));
        assertThat(ok.path("result").path("isError").asBoolean()).isFalse();
    }

    McpHttp session() throws Exception {
        mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
        return mcp;
    }

    @Test
    void malformedJsonIsAParseError() throws Exception {
        HttpResponse<String> r = session().postRaw("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(McpHttp.JSON.readTree(r.body()).path("error").path("code").asInt()).isEqualTo(-32700);
        assertClean(r.body());
    }

    @Test
    void notJsonRpcIsAnInvalidRequest() throws Exception {
        assertThat(session().postRaw("[1,2,3]").statusCode()).isEqualTo(400);
        assertThat(session().postRaw("{\"hello\":\"world\"}").statusCode()).isEqualTo(400);
        assertThat(session().postRaw("\"just a string\"").statusCode()).isEqualTo(400);
    }

    @Test
    void thousandDeepNestingIsRefusedWhileParsing() throws Exception {
        String deep = "[".repeat(1000) + "]".repeat(1000);
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"test_echo\",\"arguments\":{\"list\":"
                + deep + "}}}";
        HttpResponse<String> r = session().postRaw(body);
        assertThat(r.statusCode()).isEqualTo(400);
        assertClean(r.body());
    }

    @Test
    void argumentsDeeperThanTheGuardAllowsAreAValidationError() throws Exception {
        Map<String, Object> nested = new HashMap<>();
        Map<String, Object> cursor = nested;
        for (int i = 0; i < 12; i++) {
            Map<String, Object> next = new HashMap<>();
            cursor.put("n", next);
            cursor = next;
        }
        JsonNode r = session().callTool("test_echo", Map.of("nested", nested));
        assertToolError(r, "validation_error");
        assertThat(r.path("result").path("structuredContent").path("error").asText()).contains("deeper than 10");
    }

    @Test
    void twentyMegabyteBodyIs413() throws Exception {
        String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"test_echo\",\"arguments\":{\"text\":\""
                + "x".repeat(20 * 1024 * 1024) + "\"}}}";
        HttpResponse<String> r = session().postRaw(big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertClean(r.body());
    }

    @Test
    void prototypePollutionKeysAreRefused() throws Exception {
        for (String key : List.of("__proto__", "constructor", "prototype", "__class__")) {
            JsonNode r = session().callTool("test_echo", Map.of("nested", Map.of(key, Map.of("admin", true))));
            assertToolError(r, "validation_error");
            assertThat(r.path("result").path("structuredContent").path("error").asText()).contains(key);
        }
    }

    @Test
    void wrongTypesAreAValidationErrorNamingTheArgument() throws Exception {
        JsonNode r = session().callTool("test_echo", Map.of("count", "seven"));
        assertToolError(r, "validation_error");
        assertThat(r.path("result").path("structuredContent").path("error").asText()).contains("count");
        JsonNode tooLong = session().callTool("test_echo", Map.of("text", "y".repeat(60)));
        assertToolError(tooLong, "validation_error");
    }

    @Test
    void objectArgumentsMayArriveAsJsonStrings() throws Exception {
        JsonNode r = session().callTool("test_echo", Map.of("nested", "{\"a\": 1}", "list", "[1, 2]"));
        assertThat(r.path("result").path("isError").asBoolean()).isFalse();
        assertThat(r.path("result").path("structuredContent").path("nested").path("a").asInt()).isEqualTo(1);
        assertThat(r.path("result").path("structuredContent").path("list").size()).isEqualTo(2);
    }

    @Test
    void unknownToolsAndMethodsAreJsonRpcErrors() throws Exception {
        JsonNode tool = session().callTool("no_such_tool", Map.of());
        assertThat(tool.path("error").path("code").asInt()).isEqualTo(-32602);
        JsonNode method = session().request("no/such/method", Map.of());
        assertThat(method.path("error").path("code").asInt()).isEqualTo(-32601);
    }

    @Test
    void aFailingRouteLeaksNothing() throws Exception {
        JsonNode r = session().callTool("test_fail", Map.of());
        assertToolError(r, "internal_error");
        String text = r.toString();
        assertThat(text).doesNotContain("hunter2", "/etc/switchboard", "db.internal", "5432", "IllegalStateException");
        assertThat(r.path("result").path("structuredContent").path("correlation_id").asText()).isNotBlank();
    }

    @Test
    void aRefusalMeantForTheClientIsPassedOnSanitised() throws Exception {
        JsonNode r = session().callTool("test_refuse", Map.of());
        assertToolError(r, "validation_error");
        String error = r.path("result").path("structuredContent").path("error").asText();
        assertThat(error).contains("No contact named Bob").doesNotContain("/home/ops");
    }

    @Test
    void aSlowToolAnswersTimeoutError() throws Exception {
        JsonNode r = session().callTool("test_slow", Map.of());
        assertToolError(r, "timeout_error");
    }

    @Test
    void foreignOriginAndHostAreForbidden() throws Exception {
        HttpResponse<String> origin = session().postRaw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
                "Origin", "https://evil.example");
        assertThat(origin.statusCode()).isEqualTo(403);
        HttpResponse<String> local = session().postRaw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
                "Origin", "http://localhost:6274");
        assertThat(local.statusCode()).isEqualTo(200);
    }

    static void assertToolError(JsonNode response, String code) {
        JsonNode result = response.path("result");
        assertThat(result.path("isError").asBoolean()).as(response.toString()).isTrue();
        JsonNode envelope = result.path("structuredContent");
        assertThat(envelope.path("error_code").asText()).isEqualTo(code);
        assertThat(envelope.has("error")).isTrue();
        assertThat(envelope.has("operation")).isTrue();
        assertThat(envelope.path("suggestions").isArray()).isTrue();
        assertClean(response.toString());
    }

    static void assertClean(String body) {
        assertThat(body).doesNotContain("\tat ", "Exception:", ".java:", "/work/", "/tmp/");
    }
}
