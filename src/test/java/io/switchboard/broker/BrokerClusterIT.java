package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.DatabaseLogin;
import io.switchboard.testing.HaproxyServer;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.McpHttp.SseEvent;
import io.switchboard.testing.PostgresServer;
import io.switchboard.testing.SwitchboardProcess;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Several instances (issue 14): two built jars on one real PostgreSQL, a real HAProxy in front
 * running docker/haproxy.cfg. Sessions, protocols and queues are shared through the database;
 * the doorbell (pg_notify/LISTEN) lets the instance holding a recipient's stream push to it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerClusterIT {

    static final String V2026 = "2026-07-28";
    static final Pattern TOOL_CALLS = Pattern.compile("mcp_requests_total\\{[^}]*method=\"tools/call\"[^}]*} ([0-9.E]+)");

    DatabaseLogin database;
    SwitchboardProcess a;
    SwitchboardProcess b;
    HaproxyServer haproxy;

    @BeforeAll
    void start() throws Exception {
        database = PostgresServer.shared().createDatabase();
        // One after the other: the first migrates the schema, the second finds it done.
        a = SwitchboardProcess.start(environment("a"));
        b = SwitchboardProcess.start(environment("b"));
        haproxy = HaproxyServer.start("127.0.0.1:" + a.port(), "127.0.0.1:" + b.port());
        McpHttp admin = new McpHttp(a.uri("/mcp")).initialize();
        JsonNode registered = admin.callTool("broker_register_protocol", Map.of("name", "note", "version", "1.0.0",
                "schema", Map.of("type", "object", "properties", Map.of("n", Map.of("type", "integer")), "required", List.of("n"))));
        assertThat(registered.path("result").path("isError").asBoolean()).as(registered.toString()).isFalse();
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {haproxy, a, b}) {
            if (c != null) {
                c.close();
            }
        }
    }

    Map<String, String> environment(String instance) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("SWITCHBOARD_DB_URL", database.url());
        env.put("SWITCHBOARD_DB_USER", database.user());
        env.put("SWITCHBOARD_DB_PASSWORD", database.password());
        env.put("SWITCHBOARD_DATA_DIR", Files.createTempDirectory("switchboard-cluster-" + instance).toString());
        env.put("SWITCHBOARD_RATE_LIMIT", "0");
        env.put("SWITCHBOARD_BROKER_QUEUE_LIMIT", "1000");
        env.put("SWITCHBOARD_INSTANCE_ID", instance);
        // Long enough that the reconnection test's sends surely fall into the gap it makes.
        env.put("SWITCHBOARD_DOORBELL_FIRST_BACKOFF", "PT3S");
        return env;
    }

    @Test
    void statelessCallsThroughHaproxyLandOnBothInstancesAndAConversationWorksAcrossThem() throws Exception {
        double aBefore = toolCalls(a);
        double bBefore = toolCalls(b);
        // A 2026-07-28 client through the load balancer: no session, round-robin, handles only.
        String alice = structured(stateless(haproxy.uri("/mcp"), "broker_connect", Map.of())).path("session_id").asText();
        String bob = structured(stateless(haproxy.uri("/mcp"), "broker_connect", Map.of())).path("session_id").asText();
        for (int n = 0; n < 10; n++) {
            JsonNode sent = structured(stateless(haproxy.uri("/mcp"), "broker_send_message", Map.of("session_id", alice,
                    "recipient_id", bob, "protocol_name", "note", "protocol_version", "1.0.0", "payload", Map.of("n", n))));
            assertThat(sent.path("success").asBoolean()).as(sent.toString()).isTrue();
        }
        JsonNode received = structured(stateless(haproxy.uri("/mcp"), "broker_receive_messages", Map.of("session_id", bob, "limit", 100)));
        assertThat(received.path("count").asInt()).as(received.toString()).isEqualTo(10);
        List<Integer> order = new ArrayList<>();
        received.path("messages").forEach(m -> order.add(m.path("payload").path("n").asInt()));
        assertThat(order).as("one queue order across instances").containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

        assertThat(toolCalls(a) - aBefore).as("tool calls that landed on instance a").isGreaterThanOrEqualTo(3);
        assertThat(toolCalls(b) - bBefore).as("tool calls that landed on instance b").isGreaterThanOrEqualTo(3);

        // A session created on a is resumed on b by a 2025-11-25 client, and b knows a's protocol.
        String carol = structured(stateless(a.uri("/mcp"), "broker_connect", Map.of())).path("session_id").asText();
        McpHttp onB = new McpHttp(b.uri("/mcp")).initialize();
        JsonNode resumed = structured(onB.callTool("broker_connect", Map.of("resume_session_id", carol)));
        assertThat(resumed.path("resumed").asBoolean()).as(resumed.toString()).isTrue();
        JsonNode sent = structured(onB.callTool("broker_send_message", Map.of("recipient_id", alice,
                "protocol_name", "note", "protocol_version", "1.0.0", "payload", Map.of("n", 99))));
        assertThat(sent.path("success").asBoolean()).as(sent.toString()).isTrue();
        JsonNode invalid = onB.callTool("broker_send_message", Map.of("recipient_id", alice,
                "protocol_name", "note", "protocol_version", "1.0.0", "payload", Map.of("n", "not a number")));
        assertThat(invalid.path("result").path("isError").asBoolean()).as("b validates against a's schema").isTrue();
        JsonNode aliceInbox = structured(stateless(a.uri("/mcp"), "broker_receive_messages", Map.of("session_id", alice)));
        assertThat(aliceInbox.path("messages").get(0).path("sender_id").asText()).isEqualTo(carol);
    }

    @Test
    void a2025SessionStaysOnItsInstanceThroughHaproxy() throws Exception {
        McpHttp sticky = new McpHttp(haproxy.uri("/mcp")).initialize();
        String id = structured(sticky.callTool("broker_connect", Map.of())).path("session_id").asText();
        // Without stickiness half of these would reach the instance that never saw the MCP session (404).
        for (int n = 0; n < 20; n++) {
            JsonNode beat = structured(sticky.callTool("broker_heartbeat", Map.of()));
            assertThat(beat.path("session_id").asText()).as(beat.toString()).isEqualTo(id);
        }
    }

    @Test
    void aRecipientOnTheOtherInstanceIsNotifiedOfEveryMessageOnceWithin500Ms() throws Exception {
        McpHttp x = new McpHttp(a.uri("/mcp")).initialize();
        x.callTool("broker_connect", Map.of());
        McpHttp y = new McpHttp(b.uri("/mcp")).initialize();
        String yId = structured(y.callTool("broker_connect", Map.of())).path("session_id").asText();
        try (Notifications heard = new Notifications(y)) {
            int messages = 200;
            Map<String, Long> acknowledgedAt = new LinkedHashMap<>();
            for (int n = 0; n < messages; n++) {
                JsonNode sent = structured(x.callTool("broker_send_message", Map.of("recipient_id", yId,
                        "protocol_name", "note", "protocol_version", "1.0.0", "payload", Map.of("n", n))));
                assertThat(sent.path("success").asBoolean()).as(sent.toString()).isTrue();
                assertThat(sent.path("queued").asBoolean()).as("b holds y's stream: a says delivered").isFalse();
                acknowledgedAt.put(sent.path("message_id").asText(), System.nanoTime());
            }
            Awaitility.await("every message announced on b").atMost(Duration.ofSeconds(10))
                    .until(() -> heard.arrivals.keySet().containsAll(acknowledgedAt.keySet()));
            long worst = 0;
            List<Long> latencies = new ArrayList<>();
            for (Map.Entry<String, Long> e : acknowledgedAt.entrySet()) {
                long ms = TimeUnit.NANOSECONDS.toMillis(heard.arrivals.get(e.getKey()).get(0) - e.getValue());
                latencies.add(ms);
                worst = Math.max(worst, ms);
            }
            latencies.sort(null);
            System.out.printf("cross-instance notification after the send's acknowledgement: p50 %d ms, p99 %d ms, max %d ms%n",
                    latencies.get(latencies.size() / 2), latencies.get(latencies.size() * 99 / 100), worst);
            assertThat(worst).as("slowest notification (ms)").isLessThanOrEqualTo(500);
            assertThat(heard.arrivals.keySet()).as("nothing but what was sent").containsExactlyInAnyOrderElementsOf(acknowledgedAt.keySet());
            heard.arrivals.forEach((id, times) -> assertThat(times).as("notifications of " + id).hasSize(1));
        }
    }

    @Test
    void messagesSentWhileTheListenConnectionIsDownArriveAfterItReconnects() throws Exception {
        McpHttp x = new McpHttp(a.uri("/mcp")).initialize();
        x.callTool("broker_connect", Map.of());
        McpHttp y = new McpHttp(b.uri("/mcp")).initialize();
        String yId = structured(y.callTool("broker_connect", Map.of())).path("session_id").asText();
        try (Notifications heard = new Notifications(y);
                Connection sql = DriverManager.getConnection(database.url(), database.user(), database.password())) {
            assertThat(listeners(sql, "b")).as("b's LISTEN connection before").isEqualTo(1);
            try (Statement s = sql.createStatement()) {
                s.execute("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'switchboard-doorbell b'");
            }
            Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> listeners(sql, "b") == 0);
            List<String> sent = new ArrayList<>();
            for (int n = 0; n < 10; n++) {
                sent.add(structured(x.callTool("broker_send_message", Map.of("recipient_id", yId,
                        "protocol_name", "note", "protocol_version", "1.0.0", "payload", Map.of("n", n)))).path("message_id").asText());
            }
            // Sent while b was not listening: their rings are lost for b.
            assertThat(listeners(sql, "b")).as("b's LISTEN connection while sending").isZero();
            assertThat(heard.arrivals).as("nothing heard during the gap").isEmpty();
            Awaitility.await("b listening again and caught up").atMost(Duration.ofSeconds(15))
                    .until(() -> heard.arrivals.keySet().containsAll(sent));
            assertThat(listeners(sql, "b")).isEqualTo(1);
            // And the doorbell works again as before.
            String after = structured(x.callTool("broker_send_message", Map.of("recipient_id", yId,
                    "protocol_name", "note", "protocol_version", "1.0.0", "payload", Map.of("n", 10)))).path("message_id").asText();
            Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> heard.arrivals.containsKey(after));
        }
    }

    static int listeners(Connection sql, String instance) throws Exception {
        try (Statement s = sql.createStatement();
                ResultSet r = s.executeQuery("select count(*) from pg_stat_activity where application_name = 'switchboard-doorbell "
                        + instance + "'")) {
            r.next();
            return r.getInt(1);
        }
    }

    /** The broker_message notifications a session's listening stream receives, with when each arrived. */
    static final class Notifications implements AutoCloseable {

        final Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();
        private final HttpResponse<InputStream> stream;

        Notifications(McpHttp mcp) throws Exception {
            stream = mcp.openStream(mcp.builder().GET().build());
            CountDownLatch primed = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try {
                    SseEvent.read(stream.body(), events -> {
                        primed.countDown();
                        JsonNode n = events.get(events.size() - 1).json();
                        JsonNode data = n == null ? null : n.path("params").path("data");
                        if (data != null && "broker_message".equals(data.path("type").asText())) {
                            arrivals.computeIfAbsent(data.path("message").path("message_id").asText(),
                                    k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(System.nanoTime());
                        }
                        return false;
                    });
                } catch (Exception closed) {
                    // the test is over
                }
            }, "broker-notifications");
            reader.setDaemon(true);
            reader.start();
            if (!primed.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the listening stream did not open");
            }
        }

        @Override
        public void close() throws Exception {
            stream.body().close();
        }
    }

    static JsonNode structured(JsonNode response) {
        JsonNode result = response.path("result");
        assertThat(result.path("isError").asBoolean()).as(response.toString()).isFalse();
        return result.path("structuredContent");
    }

    /** A tools/call as a 2026-07-28 client makes it: no initialize, no MCP session. */
    static JsonNode stateless(URI endpoint, String tool, Map<String, Object> arguments) throws Exception {
        McpHttp mcp = new McpHttp(endpoint);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", tool);
        params.put("arguments", arguments);
        params.put("_meta", Map.of("io.modelcontextprotocol/protocolVersion", V2026,
                "io.modelcontextprotocol/clientCapabilities", Map.of(),
                "io.modelcontextprotocol/clientInfo", Map.of("name", "cluster-test", "version", "1")));
        Map<String, Object> body = Map.of("jsonrpc", "2.0", "id", 7, "method", "tools/call", "params", params);
        HttpResponse<String> r = mcp.send(mcp.builder()
                .POST(HttpRequest.BodyPublishers.ofString(McpHttp.JSON.writeValueAsString(body)))
                .header("MCP-Protocol-Version", V2026).header("Mcp-Method", "tools/call").header("Mcp-Name", tool).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String text = r.body();
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            List<SseEvent> events = SseEvent.parse(text);
            return events.get(events.size() - 1).json();
        }
        return McpHttp.JSON.readTree(text);
    }

    static double toolCalls(SwitchboardProcess instance) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(instance.uri("/observe/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        double total = 0;
        Matcher m = TOOL_CALLS.matcher(r.body());
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }
}
