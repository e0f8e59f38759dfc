package io.switchboard.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SWITCHBOARD_MQTT_ALLOWED_BROKERS: a client cannot make Switchboard connect anywhere else, in
 * whatever form it writes the address, and a refused broker is never even dialled.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttAllowedBrokersTest {

    MosquittoServer mosquitto;
    RunningSwitchboard switchboard;
    McpHttp mcp;
    /** A service only Switchboard's host can reach: it counts every connection made to it. */
    ServerSocket offLimits;
    final AtomicInteger dialled = new AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        mosquitto = MosquittoServer.start();
        offLimits = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!offLimits.isClosed()) {
                try (Socket s = offLimits.accept()) {
                    dialled.incrementAndGet();
                } catch (Exception e) {
                    return;
                }
            }
        }, "off-limits-listener");
        acceptor.setDaemon(true);
        acceptor.start();
        switchboard = RunningSwitchboard.start(Map.of(
                "switchboard.mqtt.allowed-brokers", "127.0.0.1:" + mosquitto.anonymousPort() + ", *.example.invalid:*"));
        mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
        offLimits.close();
        mosquitto.close();
    }

    JsonNode establish(String connectionString) throws Exception {
        return mcp.callTool("mqtt_establish_connection", Map.of("connection_string", connectionString)).path("result");
    }

    @Test
    void anAllowedBrokerConnectsInAnyFormOfItsAddress() throws Exception {
        for (String allowed : List.of(mosquitto.url(), "mqtt://[::ffff:127.0.0.1]:" + mosquitto.anonymousPort())) {
            JsonNode r = establish(allowed);
            assertThat(r.path("isError").asBoolean()).as(allowed + " " + r).isFalse();
            mcp.callTool("mqtt_close_connection", Map.of("session_id", r.path("structuredContent").path("session_id").asText()));
        }
    }

    @Test
    void everyOtherAddressIsRefusedBeforeAnyConnectionAttempt() throws Exception {
        int port = offLimits.getLocalPort();
        for (String refused : List.of(
                "mqtt://127.0.0.1:" + port,
                "mqtt://[::ffff:127.0.0.1]:" + port,
                "mqtt://2130706433:" + port,
                "mqtt://admin:secret@127.0.0.1:" + port,
                "mqtt://localhost:" + mosquitto.anonymousPort(),
                "mqtts://127.0.0.1:" + mosquitto.tlsPort())) {
            JsonNode r = establish(refused);
            assertThat(r.path("isError").asBoolean()).as(refused).isTrue();
            assertThat(r.path("structuredContent").path("error_code").asText()).as(refused).isEqualTo("permission_denied");
            assertThat(r.path("structuredContent").path("error").asText()).as(refused).contains("SWITCHBOARD_MQTT_ALLOWED_BROKERS");
            assertThat(r.toString()).as(refused).doesNotContain("secret");
        }
        // A URI cannot carry 127.1 as a host: refused as malformed, never dialled either.
        JsonNode shortForm = establish("mqtt://127.1:" + port);
        assertThat(shortForm.path("structuredContent").path("error_code").asText()).isEqualTo("validation_error");
        assertThat(dialled.get()).as("connections made to the off-limits listener").isZero();
    }
}
