package io.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.McpHttp.SseEvent;
import io.switchboard.testing.RunningSwitchboard;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's "add a tool in YAML", done while a client is connected. */
class RouteReloadTest {

    static RunningSwitchboard switchboard;

    @BeforeAll
    static void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    @Test
    void aRouteDroppedInAtRunTimeBecomesAToolAndClientsAreTold() throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
        HttpResponse<InputStream> listening = mcp.openStream(mcp.builder().GET().build());
        CompletableFuture<List<SseEvent>> listChanged = CompletableFuture.supplyAsync(() -> {
            try {
                return SseEvent.read(listening.body(), evs -> evs.stream().anyMatch(e -> e.json() != null
                        && "notifications/tools/list_changed".equals(e.json().path("method").asText())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        Path routes = switchboard.dataDir().resolve("routes");
        Files.writeString(routes.resolve("greeting.mcp.yaml"), """
                tools:
                  - name: greet
                    description: Greets someone by name.
                    annotations: { readOnlyHint: true }
                    inputSchema:
                      type: object
                      properties:
                        name: { type: string, maxLength: 100 }
                      required: [name]
                """);
        Files.writeString(routes.resolve("greeting.camel.yaml"), """
                - route:
                    id: greet
                    from:
                      uri: direct:greet
                      steps:
                        - setBody:
                            method:
                              beanType: java.util.Map
                              method: "of('greeting', 'Hello, ${body[name]}!')"
                """);

        assertThat(listChanged.get(30, java.util.concurrent.TimeUnit.SECONDS)).isNotEmpty();
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(mcp.request("tools/list", Map.of()).path("result").path("tools").findValuesAsText("name"))
                        .contains("greet"));
        JsonNode r = mcp.callTool("greet", Map.of("name", "Ada"));
        assertThat(r.path("result").path("structuredContent").path("greeting").asText()).isEqualTo("Hello, Ada!");
        // The README's example builds a Map, not JSON text: quotes and commas in a value stay the value.
        JsonNode quoted = mcp.callTool("greet", Map.of("name", "O'Brien \"the first\", (x)"));
        assertThat(quoted.path("result").path("isError").asBoolean()).isFalse();
        assertThat(quoted.path("result").path("structuredContent").path("greeting").asText())
                .isEqualTo("Hello, O'Brien \"the first\", (x)!");
        JsonNode missing = mcp.callTool("greet", Map.of());
        assertThat(missing.path("result").path("structuredContent").path("error_code").asText()).isEqualTo("validation_error");

        // Removing the route takes the tool away again.
        Files.delete(routes.resolve("greeting.camel.yaml"));
        switchboard.camel().getRouteController().stopRoute("greet");
        switchboard.camel().removeRoute("greet");
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(mcp.request("tools/list", Map.of()).path("result").path("tools").findValuesAsText("name"))
                        .doesNotContain("greet"));
        listening.body().close();
    }
}
