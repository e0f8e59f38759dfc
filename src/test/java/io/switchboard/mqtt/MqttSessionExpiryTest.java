package io.switchboard.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Idle sessions expire: the TTL is 2 s here instead of 1 h, the sweep runs every 200 ms instead of 60 s. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttSessionExpiryTest {

    MosquittoServer mosquitto;
    RunningSwitchboard switchboard;
    McpHttp mcp;

    @BeforeAll
    void start() throws Exception {
        mosquitto = MosquittoServer.start();
        switchboard = RunningSwitchboard.start(Map.of(
                "switchboard.mqtt.session-ttl", "PT2S",
                "switchboard.mqtt.sweep-interval", "200",
                "switchboard.mqtt.max-sessions", "2"));
        mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
        mosquitto.close();
    }

    JsonNode result(String tool, Object args) throws Exception {
        return mcp.callTool(tool, args).path("result");
    }

    @Test
    void anIdleSessionExpiresFreesItsPlaceAndSaysSoWhenUsed() throws Exception {
        JsonNode first = result("mqtt_establish_connection", Map.of("connection_string", mosquitto.url())).path("structuredContent");
        String idle = first.path("session_id").asText();
        String busy = result("mqtt_establish_connection", Map.of("connection_string", mosquitto.url()))
                .path("structuredContent").path("session_id").asText();
        JsonNode full = result("mqtt_establish_connection", Map.of("connection_string", mosquitto.url()));
        assertThat(full.path("structuredContent").path("error").asText()).contains("At most 2 MQTT sessions");

        // The busy one is used every 500 ms and lives on; the idle one is swept after its 2 s.
        long start = System.currentTimeMillis();
        Awaitility.await("idle session swept").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode used = result("mqtt_publish_message", Map.of("session_id", busy, "topic", "keepalive", "payload", "x"));
            assertThat(used.path("isError").asBoolean()).as(used.toString()).isFalse();
            JsonNode list = result("mqtt_list_active_connections", Map.of()).path("structuredContent");
            return list.path("total_count").asInt() == 1
                    && list.path("active_connections").get(0).path("session_id").asText().equals(busy);
        });
        assertThat(System.currentTimeMillis() - start).isGreaterThanOrEqualTo(1500);

        JsonNode expired = result("mqtt_publish_message", Map.of("session_id", idle, "topic", "a", "payload", "x"));
        assertThat(expired.path("isError").asBoolean()).isTrue();
        assertThat(expired.path("structuredContent").path("error_code").asText()).isEqualTo("not_found");
        assertThat(expired.path("structuredContent").path("error").asText()).contains("expired");
        JsonNode unknown = result("mqtt_publish_message", Map.of("session_id", "no-such-session", "topic", "a", "payload", "x"));
        assertThat(unknown.path("structuredContent").path("error").asText()).contains("No MQTT session").doesNotContain("expired");
        // Its place is free again.
        assertThat(result("mqtt_establish_connection", Map.of("connection_string", mosquitto.url())).path("isError").asBoolean()).isFalse();
    }
}
