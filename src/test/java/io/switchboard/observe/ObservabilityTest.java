package io.switchboard.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health follows the systems' state; metrics count what MCP clients do. */
class ObservabilityTest {

    static RunningSwitchboard switchboard;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(switchboard.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsCountRequestsToolCallsAndSessions() throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
        mcp.callTool("switchboard_info", Map.of());
        mcp.postRaw("not json");
        HttpResponse<String> metrics = get("/observe/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("mcp_requests_total{endpoint=\"/mcp\",method=\"tools/call\"")
                .contains("mcp_tool_duration_seconds_bucket{outcome=\"success\",tool=\"switchboard_info\"")
                .contains("mcp_request_duration_seconds_count{endpoint=\"/mcp\",method=\"tools/call\"")
                .contains("mcp_sessions{endpoint=\"/mcp\"")
                .contains("mcp_sse_connections{endpoint=\"/mcp\"")
                .contains("mcp_rejected_total{reason=\"parse_error\"")
                // The JVM's own meters: what a soak or an operator reads heap and threads from.
                .contains("jvm_memory_used_bytes{area=\"heap\"")
                .contains("jvm_threads_live_threads")
                .contains("process_cpu_usage");
    }

    @Test
    void aConfiguredSystemThatIsDownMakesSwitchboardNotReadyButStillAlive() throws Exception {
        Systems systems = switchboard.camel().getRegistry().lookupByNameAndType("systems", Systems.class);
        AtomicReference<Systems.State> state = new AtomicReference<>(Systems.State.CONNECTED);
        systems.register("probe", () -> new Systems.Status("probe", true, state.get(), "test system"));
        assertThat(get("/observe/health/ready").statusCode()).isEqualTo(200);

        state.set(Systems.State.RECONNECTING);
        HttpResponse<String> ready = get("/observe/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("system-probe");
        assertThat(get("/observe/health/live").statusCode()).isEqualTo(200);

        JsonNode info = new McpHttp(switchboard.uri("/mcp")).initialize().callTool("switchboard_info", Map.of())
                .path("result").path("structuredContent");
        assertThat(info.path("systems").path("probe").path("state").asText()).isEqualTo("reconnecting");
        assertThat(info.path("systems").path("probe").path("configured").asBoolean()).isTrue();
        state.set(Systems.State.CONNECTED);
        assertThat(get("/observe/health/ready").statusCode()).isEqualTo(200);
    }
}
