package io.switchboard.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The broker goes away in the middle of a session and comes back: the session says it is
 * reconnecting (tools and /observe/health), reconnects with backoff (capped at 2 s here instead of
 * 30 s) and its subscription (a topic watched as an MCP resource) receives again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttBrokerOutageTest {

    MosquittoServer mosquitto;
    RunningSwitchboard switchboard;
    McpHttp mcp;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        mosquitto = MosquittoServer.start();
        switchboard = RunningSwitchboard.start(Map.of("switchboard.mqtt.max-reconnect-delay-seconds", "2"));
        mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
        mosquitto.close();
    }

    JsonNode call(String tool, Object args) throws Exception {
        return mcp.callTool(tool, args).path("result");
    }

    JsonNode session(String id) throws Exception {
        for (JsonNode s : call("mqtt_list_active_connections", Map.of()).path("structuredContent").path("active_connections")) {
            if (s.path("session_id").asText().equals(id)) {
                return s;
            }
        }
        throw new AssertionError("session " + id + " not listed");
    }

    JsonNode readResource(String uri) throws Exception {
        JsonNode r = mcp.request("resources/read", Map.of("uri", uri));
        return McpHttp.JSON.readTree(r.path("result").path("contents").get(0).path("text").asText());
    }

    HttpResponse<String> health() throws Exception {
        return http.send(HttpRequest.newBuilder(switchboard.uri("/observe/health/ready?data=true")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode mqttCheck(HttpResponse<String> health) throws Exception {
        for (JsonNode check : new ObjectMapper().readTree(health.body()).path("checks")) {
            if (check.path("name").asText().equals("system-mqtt")) {
                return check;
            }
        }
        throw new AssertionError("no system-mqtt check in " + health.body());
    }

    @Test
    void aSessionReconnectsAfterABrokerRestartAndKeepsItsSubscription() throws Exception {
        String sid = call("mqtt_establish_connection", Map.of("connection_string", mosquitto.url()))
                .path("structuredContent").path("session_id").asText();
        String uri = "mqtt://" + sid + "/" + URLEncoder.encode("outage/sensor", StandardCharsets.UTF_8);
        assertThat(readResource(uri).path("message_count").asInt()).isZero();
        assertThat(session(sid).path("subscribed_topics").toString()).contains("outage/sensor");
        assertThat(health().statusCode()).isEqualTo(200);

        mosquitto.stop();
        Awaitility.await("session sees the outage").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> session(sid).path("connection_state").asText().equals("reconnecting"));
        assertThat(session(sid).path("is_connected").asBoolean()).isFalse();
        // Visible in the health data, but one client's broker never makes the gateway not ready.
        HttpResponse<String> during = health();
        assertThat(during.statusCode()).isEqualTo(200);
        assertThat(mqttCheck(during).path("data").path("state").asText()).isEqualTo("reconnecting");
        JsonNode refused = call("mqtt_publish_message", Map.of("session_id", sid, "topic", "outage/sensor", "payload", "lost"));
        assertThat(refused.path("isError").asBoolean()).isTrue();
        assertThat(refused.path("structuredContent").path("error_code").asText()).isEqualTo("connection_error");

        mosquitto.restart();
        Awaitility.await("session reconnected").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> session(sid).path("is_connected").asBoolean());
        assertThat(session(sid).path("reconnects").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(session(sid).path("subscribed_topics").toString()).contains("outage/sensor");
        Awaitility.await("health says connected again").atMost(Duration.ofSeconds(10))
                .until(() -> mqttCheck(health()).path("data").path("state").asText().equals("connected"));

        MqttClient device = new MqttClient("tcp://127.0.0.1:" + mosquitto.anonymousPort(), "device-" + UUID.randomUUID(), new MemoryPersistence());
        device.connect(new MqttConnectionOptions());
        try {
            // The watch's own connection resubscribes when it reconnects; publish until it has (it may lag the session's by a backoff step).
            Awaitility.await("the watched topic receives again").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        MqttMessage m = new MqttMessage("{\"after\":\"restart\"}".getBytes(StandardCharsets.UTF_8));
                        m.setQos(1);
                        device.publish("outage/sensor", m);
                        return readResource(uri).path("message_count").asInt() > 0;
                    });
            JsonNode watched = readResource(uri);
            assertThat(watched.path("messages").get(0).path("payload").path("after").asText()).isEqualTo("restart");
            // And publishing through the session works again.
            JsonNode ok = call("mqtt_publish_message", Map.of("session_id", sid, "topic", "outage/sensor", "payload", "back", "qos", 1));
            assertThat(ok.path("isError").asBoolean()).as(ok.toString()).isFalse();
        } finally {
            device.disconnect();
            device.close();
        }
    }
}
