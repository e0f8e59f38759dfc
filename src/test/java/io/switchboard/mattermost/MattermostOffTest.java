package io.switchboard.mattermost;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** No SWITCHBOARD_MATTERMOST_URL: the bridge is off, says so, and does not keep Switchboard from being ready. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MattermostOffTest {

    RunningSwitchboard switchboard;

    @BeforeAll
    void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of("switchboard.mattermost.url", ""));
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
    }

    @Test
    void toolsAreListedAndNameTheVariableToSet() throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp/mattermost")).initialize();
        JsonNode tools = mcp.request("tools/list", Map.of()).path("result").path("tools");
        assertThat(tools.size()).isEqualTo(32);
        JsonNode r = mcp.callTool("send_message", Map.of("channel_id", "aaaaaaaaaaaaaaaaaaaaaaaaaa", "message", "hi")).path("result");
        assertThat(r.path("isError").asBoolean()).isTrue();
        assertThat(r.path("structuredContent").path("error").asText()).contains("SWITCHBOARD_MATTERMOST_URL");
        JsonNode info = new McpHttp(switchboard.uri("/mcp")).initialize().callTool("switchboard_info", Map.of()).path("result");
        assertThat(info.toString()).contains("mattermost").contains("not_configured");
    }
}
