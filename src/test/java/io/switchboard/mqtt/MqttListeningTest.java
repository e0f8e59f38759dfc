package io.switchboard.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * Listening tools wait without holding a worker thread: with only two workers that run tool
 * routes (switchboard.mcp.worker-threads=2), six collections of 4 s run side by side and all end
 * after about 4 s (held threads would make it three rounds, 12 s), and a trivial tool call is
 * answered at once while they wait. Results keep their contract (messages, stopped_because).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttListeningTest {

    static final int WORKERS = 2;
    static final int COLLECTIONS = 6;
    static final int SECONDS = 4;

    MosquittoServer mosquitto;
    RunningSwitchboard switchboard;
    ExecutorService clients;

    @BeforeAll
    void start() throws Exception {
        mosquitto = MosquittoServer.start();
        switchboard = RunningSwitchboard.start(Map.of(
                "switchboard.mqtt.min-duration-seconds", "1",
                "switchboard.mcp.worker-threads", Integer.toString(WORKERS),
                "switchboard.mcp.rate-limit-per-second", "0"));
        clients = Executors.newFixedThreadPool(COLLECTIONS + 2);
    }

    @AfterAll
    void stop() throws Exception {
        clients.shutdownNow();
        switchboard.close();
        mosquitto.close();
    }

    @Test
    void moreCollectionsThanWorkersAllFinishOnTimeAndOtherCallsAreServedMeanwhile() throws Exception {
        McpHttp setup = new McpHttp(switchboard.uri("/mcp")).initialize();
        String sid = structured(setup.callTool("mqtt_establish_connection", Map.of("connection_string", mosquitto.url())))
                .path("session_id").asText();
        String topic = "listen/" + UUID.randomUUID().toString().substring(0, 8);

        long t0 = System.nanoTime();
        List<CompletableFuture<JsonNode>> collections = new ArrayList<>();
        for (int i = 0; i < COLLECTIONS; i++) {
            // The last one stops early on its count: the other way a wait can end.
            Map<String, Object> args = i == COLLECTIONS - 1
                    ? Map.of("session_id", sid, "topic_pattern", topic + "/" + i, "duration_seconds", SECONDS * 3, "max_messages", 2)
                    : Map.of("session_id", sid, "topic_pattern", topic + "/" + i, "duration_seconds", SECONDS);
            collections.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return new McpHttp(switchboard.uri("/mcp")).initialize().callTool("mqtt_subscribe_and_collect", args);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, clients));
        }
        // All six subscribed (each is a broker connection of the session, one topic each): then they all wait.
        Awaitility.await().atMost(SECONDS - 1, TimeUnit.SECONDS).until(() -> subscriptions(setup, sid) == COLLECTIONS);

        long ask = System.nanoTime();
        JsonNode listed = structured(setup.callTool("mqtt_list_active_connections", Map.of()));
        double answeredSeconds = (System.nanoTime() - ask) / 1e9;
        assertThat(listed.toString()).contains(sid);
        assertThat(answeredSeconds).as("a trivial call while six collections wait on two workers").isLessThan(1.5);
        assertThat(collections).noneMatch(CompletableFuture::isDone);

        MqttClient device = new MqttClient("tcp://127.0.0.1:" + mosquitto.anonymousPort(), "dev-" + UUID.randomUUID(),
                new MemoryPersistence());
        try {
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            device.connect(o);
            for (int c = 0; c < COLLECTIONS; c++) {
                for (int i = 0; i < 3; i++) {
                    device.publish(topic + "/" + c, new MqttMessage(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), 1, false, null));
                }
            }
            device.disconnect();
        } finally {
            device.close();
        }

        CompletableFuture.allOf(collections.toArray(CompletableFuture[]::new)).get(SECONDS * 3L, TimeUnit.SECONDS);
        double allDone = (System.nanoTime() - t0) / 1e9;
        // Held workers would run them in three rounds of 4 s.
        assertThat(allDone).as("six 4 s collections on two workers").isLessThan(SECONDS * 2.0);
        for (int i = 0; i < COLLECTIONS; i++) {
            JsonNode r = structured(collections.get(i).get());
            boolean early = i == COLLECTIONS - 1;
            assertThat(r.path("stopped_because").asText()).isEqualTo(early ? "max_messages" : "duration");
            assertThat(r.path("message_count").asInt()).isEqualTo(early ? 2 : 3);
            assertThat(r.path("messages").get(0).toString()).contains("\"n\":0");
        }
        // Every subscription is released once its wait is over.
        Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> subscriptions(setup, sid) == 0);
    }

    private static int subscriptions(McpHttp mcp, String sid) throws Exception {
        for (JsonNode s : structured(mcp.callTool("mqtt_list_active_connections", Map.of())).path("active_connections")) {
            if (sid.equals(s.path("session_id").asText())) {
                return s.path("subscribed_topics").size();
            }
        }
        return -1;
    }

    private static JsonNode structured(JsonNode response) {
        JsonNode result = response.path("result");
        assertThat(result.path("isError").asBoolean()).as(response.toString()).isFalse();
        return result.path("structuredContent");
    }
}
