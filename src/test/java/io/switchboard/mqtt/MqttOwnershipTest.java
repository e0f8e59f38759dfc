package io.switchboard.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An MQTT session opened under token A is A's: B, knowing its id, can neither use, read, list nor
 * close it. And one session runs at most switchboard.mqtt.max-subscriptions-per-session
 * subscriptions and resource watches (each is a broker connection of its own).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttOwnershipTest {

    MosquittoServer mosquitto;
    RunningSwitchboard switchboard;
    McpHttp a;
    McpHttp b;

    @BeforeAll
    void start() throws Exception {
        mosquitto = MosquittoServer.start();
        Map<String, String> settings = new HashMap<>();
        settings.put("switchboard.mcp.token", "mqtt-token-a,mqtt-token-b");
        settings.put("switchboard.mcp.rate-limit-per-second", "0");
        settings.put("switchboard.mqtt.min-duration-seconds", "1");
        settings.put("switchboard.mqtt.max-subscriptions-per-session", "1");
        switchboard = RunningSwitchboard.start(settings);
        a = new McpHttp(switchboard.uri("/mcp")).withToken("mqtt-token-a").initialize();
        b = new McpHttp(switchboard.uri("/mcp")).withToken("mqtt-token-b").initialize();
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
        mosquitto.stop();
    }

    static JsonNode call(McpHttp mcp, String tool, Map<String, Object> args) throws Exception {
        return mcp.callTool(tool, args).path("result").path("structuredContent");
    }

    static String watch(String session, String topic) {
        return "mqtt://" + session + "/" + URLEncoder.encode(topic, StandardCharsets.UTF_8);
    }

    @Test
    void anotherTokenCannotUseReadListOrCloseTheSession() throws Exception {
        String sid = call(a, "mqtt_establish_connection", Map.of("connection_string", mosquitto.url())).path("session_id").asText();
        assertThat(sid).isNotBlank();

        for (JsonNode refused : new JsonNode[] {
                call(b, "mqtt_publish_message", Map.of("session_id", sid, "topic", "own/t", "payload", "from b")),
                call(b, "mqtt_list_topics", Map.of("session_id", sid)),
                call(b, "mqtt_test_connection", Map.of("session_id", sid)),
                call(b, "mqtt_close_connection", Map.of("session_id", sid))}) {
            assertThat(refused.path("error_code").asText()).as(refused.toString()).isEqualTo("permission_denied");
        }
        JsonNode read = b.request("resources/read", Map.of("uri", watch(sid, "own/t")));
        assertThat(read.path("error").path("data").path("error_code").asText()).as(read.toString()).isEqualTo("permission_denied");
        assertThat(call(b, "mqtt_list_active_connections", Map.of()).toString()).doesNotContain(sid);

        // A's session is untouched: listed, usable, and closed only by A.
        assertThat(call(a, "mqtt_list_active_connections", Map.of()).toString()).contains(sid);
        assertThat(call(a, "mqtt_publish_message", Map.of("session_id", sid, "topic", "own/t", "payload", "from a"))
                .path("success").asBoolean()).isTrue();
        assertThat(call(a, "mqtt_close_connection", Map.of("session_id", sid)).path("status").asText()).isEqualTo("closed");
    }

    @Test
    void subscriptionsBeyondTheLimitAreRefusedByName() throws Exception {
        String sid = call(a, "mqtt_establish_connection", Map.of("connection_string", mosquitto.url())).path("session_id").asText();
        JsonNode first = a.request("resources/read", Map.of("uri", watch(sid, "limit/one")));
        assertThat(first.path("result").path("contents").size()).as(first.toString()).isEqualTo(1);

        JsonNode collect = call(a, "mqtt_subscribe_and_collect", Map.of("session_id", sid, "topic_pattern", "limit/two",
                "duration_seconds", 1));
        assertThat(collect.path("error_code").asText()).as(collect.toString()).isEqualTo("rate_limit_exceeded");
        assertThat(collect.path("error").asText()).contains("switchboard.mqtt.max-subscriptions-per-session");
        JsonNode second = a.request("resources/read", Map.of("uri", watch(sid, "limit/three")));
        assertThat(second.path("error").path("data").path("error_code").asText()).as(second.toString()).isEqualTo("rate_limit_exceeded");

        // The first watch is not disturbed: reading it again is no new subscription.
        assertThat(a.request("resources/read", Map.of("uri", watch(sid, "limit/one"))).path("result").path("contents").size()).isEqualTo(1);
        call(a, "mqtt_close_connection", Map.of("session_id", sid));
    }
}
