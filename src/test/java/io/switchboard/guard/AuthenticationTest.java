package io.switchboard.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With tokens configured, only a request bearing one gets in; a flood from one client gets 429. */
class AuthenticationTest {

    static RunningSwitchboard switchboard;

    @BeforeAll
    static void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of(
                "switchboard.mcp.token", "s3cret-one, s3cret-two, s3cret-flood",
                "switchboard.mcp.rate-limit-per-second", "20"));
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    String initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

    @Test
    void missingTokenIs401WithAChallenge() throws Exception {
        HttpResponse<String> r = new McpHttp(switchboard.uri("/mcp")).postRaw(initialize);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    }

    @Test
    void forgedTokenIs401AndNotEchoed() throws Exception {
        HttpResponse<String> r = new McpHttp(switchboard.uri("/mcp")).withToken("forged-token-xyz").postRaw(initialize);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
        assertThat(r.body()).doesNotContain("forged-token-xyz").doesNotContain("s3cret");
    }

    @Test
    void everyConfiguredTokenWorks() throws Exception {
        for (String token : new String[] {"s3cret-one", "s3cret-two"}) {
            McpHttp mcp = new McpHttp(switchboard.uri("/mcp")).withToken(token).initialize();
            assertThat(mcp.callTool("switchboard_info", Map.of()).path("result").path("isError").asBoolean()).isFalse();
        }
    }

    @Test
    void aFloodFromOneClientIsRateLimited() throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp")).withToken("s3cret-flood");
        int limited = 0;
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> r = mcp.postRaw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
            if (r.statusCode() == 429) {
                limited++;
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                assertThat(McpHttp.JSON.readTree(r.body()).path("error").path("message").asText()).contains("Too Many Requests");
            }
        }
        assertThat(limited).isGreaterThan(0);
    }
}
