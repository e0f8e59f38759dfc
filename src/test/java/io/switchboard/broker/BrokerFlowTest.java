package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.McpHttp.SseEvent;
import io.switchboard.testing.RunningSwitchboard;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The broker as agents use it: two (and more) real MCP sessions registering, connecting,
 * negotiating and exchanging messages through the gateway, with the state in a real database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrokerFlowTest {

    RunningSwitchboard switchboard;

    /** The JDBC URL of the database this run uses. */
    abstract String databaseUrl() throws Exception;

    @BeforeAll
    void start() throws Exception {
        String routes = Path.of(getClass().getResource("/broker-routes").toURI()).toString();
        Map<String, String> settings = new HashMap<>();
        settings.put("switchboard.routes.dir", routes);
        settings.put("switchboard.db.url", databaseUrl());
        settings.put("switchboard.broker.queue-limit", "5");
        settings.put("switchboard.broker.stale-after", "PT3S");
        settings.put("switchboard.broker.disconnected-after", "PT6S");
        settings.put("switchboard.broker.sweep-interval", "200");
        // The racing test opens many sessions at once from one client address.
        settings.put("switchboard.mcp.rate-limit-per-second", "0");
        switchboard = RunningSwitchboard.start(settings);
        Agent admin = agent(Map.of());
        JsonNode chat = admin.call("broker_register_protocol", Map.of("name", "chat", "version", "1.0.0",
                "capabilities", List.of("point_to_point", "broadcast"),
                "metadata", Map.of("tags", List.of("text", "demo")),
                "schema", Map.of("type", "object", "properties", Map.of("text", Map.of("type", "string")),
                        "required", List.of("text"))));
        assertThat(chat.path("success").asBoolean()).as(chat.toString()).isTrue();
        JsonNode chat2 = admin.call("broker_register_protocol", Map.of("name", "chat", "version", "2.0.0",
                "schema", Map.of("type", "object", "properties", Map.of("body", Map.of("type", "string"),
                        "format", Map.of("type", "string")), "required", List.of("body", "format"))));
        assertThat(chat2.path("success").asBoolean()).as(chat2.toString()).isTrue();
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
    }

    /** An agent: one MCP session plus the broker session it connected. */
    final class Agent {
        final McpHttp mcp;
        final String sessionId;

        Agent(McpHttp mcp, String sessionId) {
            this.mcp = mcp;
            this.sessionId = sessionId;
        }

        JsonNode call(String tool, Object args) throws Exception {
            return mcp.callTool(tool, args).path("result").path("structuredContent");
        }

        HttpResponse<InputStream> listen() throws Exception {
            return mcp.openStream(mcp.builder().GET().build());
        }
    }

    Agent agent(Map<String, Object> capabilities) throws Exception {
        return connect(capabilities, null);
    }

    Agent connect(Map<String, Object> capabilities, String resume) throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
        Map<String, Object> args = new HashMap<>();
        args.put("capabilities", capabilities);
        if (resume != null) {
            args.put("resume_session_id", resume);
        }
        JsonNode r = mcp.callTool("broker_connect", args).path("result").path("structuredContent");
        assertThat(r.path("success").asBoolean()).as(r.toString()).isTrue();
        return new Agent(mcp, r.path("session_id").asText());
    }

    static Map<String, Object> speaks(String... versions) {
        return Map.of("supported_protocols", Map.of("chat", List.of(versions)), "supported_features", List.of("text"));
    }

    static Map<String, Object> chat(String to, String text) {
        return new HashMap<>(Map.of("recipient_id", to, "protocol_name", "chat", "protocol_version", "1.0.0",
                "payload", Map.of("text", text)));
    }

    @Test
    void registrationRulesAndDiscovery() throws Exception {
        Agent a = agent(Map.of());
        JsonNode dup = a.call("broker_register_protocol", Map.of("name", "chat", "version", "1.0.0", "schema", Map.of("type", "object")));
        assertThat(dup.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(dup.path("suggestions").toString()).contains("1.0.1");
        JsonNode bad = a.call("broker_register_protocol", Map.of("name", "broken", "version", "1.0.0", "schema", Map.of("type", 12)));
        assertThat(bad.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(bad.path("details").has("path")).as(bad.toString()).isTrue();
        JsonNode found = a.call("broker_discover_protocols", Map.of("name", "chat", "version_range", ">=1.0.0,<2.0.0"));
        assertThat(found.path("count").asInt()).isEqualTo(1);
        assertThat(found.path("protocols").get(0).path("version").asText()).isEqualTo("1.0.0");
        assertThat(a.call("broker_discover_protocols", Map.of("tags", List.of("demo"))).path("count").asInt()).isEqualTo(1);
    }

    @Test
    void pointToPointReachesAnOnlineRecipientAtOnce() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        Agent bob = agent(speaks("1.0.0"));
        JsonNode nego = alice.call("broker_negotiate_capabilities", Map.of("target_session_id", bob.sessionId));
        assertThat(nego.path("compatible").asBoolean()).isTrue();
        assertThat(nego.path("supported_protocols").path("chat").asText()).isEqualTo("1.0.0");
        assertThat(nego.path("feature_intersections").toString()).contains("text");

        HttpResponse<InputStream> stream = bob.listen();
        CompletableFuture<List<SseEvent>> notified = CompletableFuture.supplyAsync(() -> read(stream,
                evs -> evs.stream().anyMatch(e -> e.json() != null && e.json().path("params").path("data").path("type").asText().equals("broker_message"))));
        JsonNode sent = alice.call("broker_send_message", chat(bob.sessionId, "hello bob"));
        assertThat(sent.path("success").asBoolean()).as(sent.toString()).isTrue();
        assertThat(sent.path("delivered_at").asText()).isNotBlank();
        String id = sent.path("message_id").asText();
        List<SseEvent> events = notified.get(10, TimeUnit.SECONDS);
        JsonNode message = events.stream().map(SseEvent::json).filter(j -> j != null && j.path("params").path("data").has("message"))
                .findFirst().orElseThrow().path("params").path("data").path("message");
        assertThat(message.path("message_id").asText()).isEqualTo(id);
        assertThat(message.path("payload").path("text").asText()).isEqualTo("hello bob");
        stream.body().close();

        // Still pullable until acked, then gone.
        JsonNode inbox = bob.call("broker_receive_messages", Map.of("limit", 10));
        assertThat(inbox.path("messages").findValuesAsText("message_id")).containsExactly(id);
        assertThat(bob.call("broker_ack", Map.of("message_ids", List.of(id))).path("acked").asInt()).isEqualTo(1);
        assertThat(bob.call("broker_receive_messages", Map.of()).path("count").asInt()).isZero();
    }

    @Test
    void aPayloadOutsideTheSchemaIsRefusedWithThePath() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        Agent bob = agent(speaks("1.0.0"));
        Map<String, Object> msg = chat(bob.sessionId, "x");
        msg.put("payload", Map.of("text", 42));
        JsonNode r = alice.call("broker_send_message", msg);
        assertThat(r.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(r.path("details").path("path").asText()).contains("text");
        JsonNode unknown = alice.call("broker_send_message", chat(UUID.randomUUID().toString(), "to nobody"));
        assertThat(unknown.path("error_code").asText()).isEqualTo("not_found");
        assertThat(unknown.path("details").path("reason").asText()).isEqualTo("session_not_found");
    }

    @Test
    void anOfflineRecipientGetsItsQueueWhenItResumes() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        Agent carol = agent(speaks("1.0.0"));
        carol.mcp.send(carol.mcp.builder().DELETE().build());   // Carol's connection goes away.
        JsonNode queued = alice.call("broker_send_message", chat(carol.sessionId, "while you were away"));
        assertThat(queued.path("queued").asBoolean()).as(queued.toString()).isTrue();
        assertThat(queued.path("queue_size").asInt()).isEqualTo(1);

        Agent back = connect(speaks("1.0.0"), carol.sessionId);
        assertThat(back.sessionId).isEqualTo(carol.sessionId);
        JsonNode inbox = back.call("broker_receive_messages", Map.of());
        assertThat(inbox.path("count").asInt()).isEqualTo(1);
        assertThat(inbox.path("messages").get(0).path("payload").path("text").asText()).isEqualTo("while you were away");
        back.call("broker_ack", Map.of("message_ids", inbox.path("messages").findValuesAsText("message_id")));
    }

    @Test
    void aFullQueueDeadLettersAndReplayRefillsIt() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        Agent dave = agent(speaks("1.0.0"));
        for (int i = 0; i < 5; i++) {
            assertThat(alice.call("broker_send_message", chat(dave.sessionId, "m" + i)).path("success").asBoolean()).isTrue();
        }
        JsonNode full = alice.call("broker_send_message", chat(dave.sessionId, "one too many"));
        assertThat(full.path("error_code").asText()).isEqualTo("queue_full");
        // Other tests' dead letters share the table (the racing test leaves ~90): list them all.
        JsonNode letters = alice.call("broker_dead_letters", Map.of("action", "list", "limit", 500));
        String dl = null;
        for (JsonNode l : letters.path("dead_letters")) {
            if ("one too many".equals(l.path("message").path("payload").path("text").asText())) {
                dl = l.path("dead_letter_id").asText();
                assertThat(l.path("reason").asText()).isEqualTo("queue_full");
            }
        }
        assertThat(dl).isNotNull();
        JsonNode inbox = dave.call("broker_receive_messages", Map.of("limit", 10));
        dave.call("broker_ack", Map.of("message_ids", inbox.path("messages").findValuesAsText("message_id")));
        JsonNode replay = alice.call("broker_dead_letters", Map.of("action", "replay", "dead_letter_ids", List.of(dl)));
        assertThat(replay.path("replayed").toString()).contains(dl);
        JsonNode after = dave.call("broker_receive_messages", Map.of());
        assertThat(after.path("messages").findValuesAsText("payload").toString()).isNotNull();
        assertThat(after.path("messages").get(0).path("payload").path("text").asText()).isEqualTo("one too many");
        dave.call("broker_ack", Map.of("message_ids", after.path("messages").findValuesAsText("message_id")));
    }

    @Test
    void aMessageWhoseTtlRanOutCanBeReplayed() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        Agent frank = agent(speaks("1.0.0"));
        frank.mcp.send(frank.mcp.builder().DELETE().build());   // offline: the message waits in the queue
        Map<String, Object> brief = chat(frank.sessionId, "short-lived " + UUID.randomUUID());
        brief.put("ttl_seconds", 1);
        assertThat(alice.call("broker_send_message", brief).path("queued").asBoolean()).isTrue();
        String text = (String) ((Map<?, ?>) brief.get("payload")).get("text");
        // The sweep (every 200 ms here) moves it to the dead letters once its second is up.
        String dl = Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (JsonNode l : alice.call("broker_dead_letters", Map.of("action", "list", "limit", 500)).path("dead_letters")) {
                if (text.equals(l.path("message").path("payload").path("text").asText())) {
                    assertThat(l.path("reason").asText()).isEqualTo("ttl_expired");
                    return l.path("dead_letter_id").asText();
                }
            }
            return null;
        }, Objects::nonNull);
        JsonNode replay = alice.call("broker_dead_letters", Map.of("action", "replay", "dead_letter_ids", List.of(dl)));
        assertThat(replay.path("success").asBoolean()).as(replay.toString()).isTrue();
        assertThat(replay.path("replayed").toString()).contains(dl);
        // Replayed without its ttl (it would only expire again): the recipient finds it on return.
        Agent back = connect(speaks("1.0.0"), frank.sessionId);
        JsonNode inbox = back.call("broker_receive_messages", Map.of());
        assertThat(inbox.path("messages").findValuesAsText("payload").toString()).isNotNull();
        assertThat(inbox.path("messages").get(0).path("payload").path("text").asText()).isEqualTo(text);
    }

    @Test
    void anUnreadableDeadLetterSaysSoAndIsCounted() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        String id = "corrupt-" + UUID.randomUUID();
        new JdbcTemplate(switchboard.camel().getRegistry().lookupByNameAndType("dataSource", DataSource.class)).update(
                "insert into dead_letters (id, system, reason, payload, created_at) values (?, 'broker', 'queue_full', '{not json', ?)",
                id, System.currentTimeMillis());
        JsonNode listed = null;
        for (JsonNode l : alice.call("broker_dead_letters", Map.of("action", "list", "limit", 500)).path("dead_letters")) {
            if (id.equals(l.path("dead_letter_id").asText())) {
                listed = l;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.path("message").path("unreadable").asBoolean()).isTrue();
        String reference = listed.path("message").path("reference").asText();
        assertThat(reference).isNotBlank();

        JsonNode replay = alice.call("broker_dead_letters", Map.of("action", "replay", "dead_letter_ids", List.of(id)));
        assertThat(replay.path("error").asText()).as(replay.toString()).contains("unreadable");
        assertThat(replay.toString()).doesNotContain("JsonParseException").doesNotContain("com.fasterxml");
        String metrics = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(switchboard.uri("/observe/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("switchboard_faults_total\\{[^}]*kind=\"unreadable_stored_value\"[^}]*} [1-9]");
    }

    @Test
    void sendersRacingForTheLastPlacesNeverOvershootTheQueue() throws Exception {
        List<Agent> senders = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            senders.add(agent(speaks("1.0.0")));
        }
        ExecutorService pool = Executors.newFixedThreadPool(senders.size());
        try {
            // Each round, sixteen senders hit a fresh recipient's queue of 5 at the same instant.
            for (int round = 0; round < 8; round++) {
                Agent erin = agent(speaks("1.0.0"));
                CountDownLatch go = new CountDownLatch(1);
                List<Future<JsonNode>> sent = new ArrayList<>();
                for (Agent s : senders) {
                    sent.add(pool.submit(() -> {
                        go.await();
                        return s.call("broker_send_message", chat(erin.sessionId, "race"));
                    }));
                }
                go.countDown();
                int accepted = 0;
                for (Future<JsonNode> f : sent) {
                    JsonNode r = f.get(60, TimeUnit.SECONDS);
                    if (r.path("success").asBoolean()) {
                        accepted++;
                    } else {
                        assertThat(r.path("error_code").asText()).as(r.toString()).isEqualTo("queue_full");
                    }
                }
                assertThat(accepted).as("round %d: a queue of 5 accepts exactly 5 of 16 racing sends", round).isEqualTo(5);
                JsonNode inbox = erin.call("broker_receive_messages", Map.of("limit", 50));
                assertThat(inbox.path("messages")).hasSize(5);
                erin.call("broker_ack", Map.of("message_ids", inbox.path("messages").findValuesAsText("message_id")));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void urgentComesFirstAndOrderHoldsWithinAPriority() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        Agent erin = agent(speaks("1.0.0"));
        for (String[] m : new String[][] {{"low", "l1"}, {"normal", "n1"}, {"urgent", "u1"}, {"normal", "n2"}, {"high", "h1"}}) {
            Map<String, Object> msg = chat(erin.sessionId, m[1]);
            msg.put("priority", m[0]);
            alice.call("broker_send_message", msg);
        }
        JsonNode inbox = erin.call("broker_receive_messages", Map.of("limit", 10));
        List<String> order = new ArrayList<>();
        inbox.path("messages").forEach(m -> order.add(m.path("payload").path("text").asText()));
        assertThat(order).containsExactly("u1", "h1", "n1", "n2", "l1");
        erin.call("broker_ack", Map.of("message_ids", inbox.path("messages").findValuesAsText("message_id")));
    }

    @Test
    void aRetriedSendWithTheSameKeyIsStoredOnce() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        Agent fred = agent(speaks("1.0.0"));
        Map<String, Object> msg = chat(fred.sessionId, "once");
        msg.put("idempotency_key", "order-42");
        JsonNode first = alice.call("broker_send_message", msg);
        JsonNode again = alice.call("broker_send_message", msg);
        assertThat(again.path("message_id").asText()).isEqualTo(first.path("message_id").asText());
        assertThat(again.path("duplicate").asBoolean()).isTrue();
        JsonNode inbox = fred.call("broker_receive_messages", Map.of());
        assertThat(inbox.path("count").asInt()).isEqualTo(1);
        fred.call("broker_ack", Map.of("message_ids", inbox.path("messages").findValuesAsText("message_id")));
    }

    @Test
    void broadcastReachesEveryoneWhoSpeaksIt() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        List<Agent> listeners = List.of(agent(speaks("1.0.0")), agent(speaks("1.0.0")), agent(speaks("1.0.0")));
        Agent mute = agent(Map.of("supported_protocols", Map.of("chat", List.of("1.0.0")), "supported_features", List.of()));
        JsonNode r = alice.call("broker_broadcast_message", Map.of("protocol_name", "chat", "protocol_version", "1.0.0",
                "payload", Map.of("text", "all hands"), "capability_filter", Map.of("supported_features", List.of("text"))));
        assertThat(r.path("success").asBoolean()).as(r.toString()).isTrue();
        for (Agent l : listeners) {
            assertThat(r.path("recipients").toString()).contains(l.sessionId);
            JsonNode inbox = l.call("broker_receive_messages", Map.of());
            assertThat(inbox.path("messages").findValuesAsText("protocol_name")).contains("chat");
            l.call("broker_ack", Map.of("message_ids", inbox.path("messages").findValuesAsText("message_id")));
        }
        assertThat(r.path("recipients").path("skipped").toString()).contains(mute.sessionId);
    }

    @Test
    void anAdapterRouteBridgesVersions() throws Exception {
        Agent alice = agent(speaks("1.0.0"));
        Agent gina = agent(speaks("2.0.0"));
        JsonNode nego = alice.call("broker_negotiate_capabilities", Map.of("target_session_id", gina.sessionId));
        assertThat(nego.path("incompatibilities").get(0).path("suggestion").asText()).contains("adapt");
        JsonNode sent = alice.call("broker_send_message", chat(gina.sessionId, "hi gina"));
        assertThat(sent.path("success").asBoolean()).as(sent.toString()).isTrue();
        JsonNode inbox = gina.call("broker_receive_messages", Map.of());
        JsonNode m = inbox.path("messages").get(0);
        assertThat(m.path("protocol_version").asText()).isEqualTo("2.0.0");
        assertThat(m.path("payload").path("body").asText()).isEqualTo("hi gina");
        gina.call("broker_ack", Map.of("message_ids", inbox.path("messages").findValuesAsText("message_id")));

        Agent hal = agent(Map.of("supported_protocols", Map.of("chat", List.of("3.0.0"))));
        JsonNode refused = alice.call("broker_send_message", chat(hal.sessionId, "no bridge"));
        assertThat(refused.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(refused.path("suggestions").toString()).contains("adapt");
    }

    @Test
    void silentSessionsTurnStaleThenDisconnected() throws Exception {
        Agent quiet = agent(speaks("1.0.0"));
        Agent watcher = agent(Map.of());
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(status(watcher, quiet.sessionId)).isEqualTo("stale"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(status(watcher, quiet.sessionId)).isEqualTo("disconnected"));
        // A heartbeat brings a session back.
        Agent back = connect(speaks("1.0.0"), quiet.sessionId);
        assertThat(back.call("broker_heartbeat", Map.of()).path("status").asText()).isEqualTo("active");
    }

    String status(Agent asking, String sessionId) throws Exception {
        asking.call("broker_heartbeat", Map.of());
        for (JsonNode s : asking.call("broker_list_sessions", Map.of("status_filter", "all")).path("sessions")) {
            if (s.path("session_id").asText().equals(sessionId)) {
                return s.path("status").asText();
            }
        }
        return "missing";
    }

    static List<SseEvent> read(HttpResponse<InputStream> stream, java.util.function.Predicate<List<SseEvent>> until) {
        try {
            return SseEvent.read(stream.body(), until);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
