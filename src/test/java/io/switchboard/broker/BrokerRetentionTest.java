package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.Database;
import io.switchboard.testing.DatabaseLogin;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Broker sessions disconnected for longer than switchboard.retention.broker-sessions (10 s here;
 * disconnected after 1 s without a heartbeat) are deleted, from the table and from memory, so
 * they can no longer be resumed; a recently disconnected one stays, one with a message still
 * waiting in its queue stays however old, and a live one is never touched. Counted per table.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerRetentionTest {

    @Parameter
    Database database;

    RunningSwitchboard switchboard;
    JdbcTemplate db;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        DatabaseLogin login = database.create();
        Map<String, String> settings = new HashMap<>(login.settings());
        settings.put("switchboard.retention.interval", "200");
        settings.put("switchboard.retention.broker-sessions", "PT10S");
        settings.put("switchboard.broker.stale-after", "PT0.5S");
        settings.put("switchboard.broker.disconnected-after", "PT1S");
        settings.put("switchboard.broker.sweep-interval", "200");
        settings.put("switchboard.mcp.rate-limit-per-second", "0");
        switchboard = RunningSwitchboard.start(settings);
        db = new JdbcTemplate(switchboard.camel().getRegistry().lookupByNameAndType("dataSource", DataSource.class));
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        switchboard.close();
    }

    @Test
    void oldDisconnectedSessionsGoRecentPendingAndLiveOnesStay() throws Exception {
        long now = System.currentTimeMillis();
        long hourAgo = now - Duration.ofHours(1).toMillis();
        // Rows as an earlier run left them: old and disconnected, recently disconnected, old with a
        // message waiting for it, and one whose heartbeat is old but that is still marked active.
        // The waiting message first: the retention timer may run between any two of these inserts.
        db.update("insert into broker_messages (message_id, recipient_id, sender_id, protocol_name, protocol_version, priority, seq, payload, created_at)"
                + " values ('waiting', 'old-pending', 'someone', 'p', '1.0.0', 1, 1, '{}', ?)", hourAgo);
        for (Object[] row : new Object[][] {{"old-gone", hourAgo, "disconnected"}, {"recent-kept", now, "disconnected"},
                {"old-pending", hourAgo, "disconnected"}, {"old-active", hourAgo, "active"}}) {
            db.update("insert into broker_sessions (session_id, capabilities, connected_at, last_heartbeat, status) values (?, '{}', ?, ?, ?)",
                    row[0], row[1], row[1], row[2]);
        }

        // The stored heartbeat is the truth on every instance: a session silent for an hour, though
        // still marked active, is disconnected by the sweep and then goes like the others.
        await().atMost(Duration.ofSeconds(5)).until(() -> count("old-gone") == 0 && count("old-active") == 0);
        assertThat(count("recent-kept")).as("disconnected less than 10 s ago").isOne();
        assertThat(count("old-pending")).as("a message still waits for it").isOne();

        // Through the tools: an agent that stops heartbeating is disconnected after 1 s and gone
        // 10 s later (it can no longer be resumed); one with a message waiting, and a live one, stay.
        McpHttp silent = new McpHttp(switchboard.uri("/mcp")).initialize();
        String silentId = connect(silent, Map.of());
        McpHttp waiting = new McpHttp(switchboard.uri("/mcp")).initialize();
        String waitingId = connect(waiting, Map.of());
        McpHttp live = new McpHttp(switchboard.uri("/mcp")).initialize();
        String liveId = connect(live, Map.of());
        live.callTool("broker_register_protocol", Map.of("name", "retention_test", "version", "1.0.0",
                "schema", Map.of("type", "object"), "capabilities", java.util.List.of("point_to_point")));
        JsonNode sent = live.callTool("broker_send_message", Map.of("recipient_id", waitingId, "payload", Map.of("n", 1),
                "protocol_name", "retention_test", "protocol_version", "1.0.0"));
        assertThat(sent.path("result").path("isError").asBoolean()).as(sent.toString()).isFalse();

        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> {
            live.callTool("broker_heartbeat", Map.of());
            return count(silentId) == 0;
        });
        JsonNode resumed = silent.callTool("broker_connect", Map.of("resume_session_id", silentId)).path("result");
        assertThat(resumed.path("isError").asBoolean()).isTrue();
        assertThat(resumed.path("structuredContent").path("error_code").asText()).isEqualTo("not_found");
        assertThat(count(waitingId)).as("its message is still queued").isOne();
        assertThat(count(liveId)).isOne();
        // The waiting agent can still come back for its message.
        JsonNode back = waiting.callTool("broker_connect", Map.of("resume_session_id", waitingId)).path("result");
        assertThat(back.path("isError").asBoolean()).as(back.toString()).isFalse();

        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(switchboard.uri("/observe/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("switchboard_retention_deleted_total\\{[^}]*table=\"broker_sessions\"[^}]*} [2-9]");
    }

    private static String connect(McpHttp mcp, Map<String, Object> args) throws Exception {
        JsonNode r = mcp.callTool("broker_connect", args).path("result").path("structuredContent");
        return r.path("session_id").asText();
    }

    private int count(String sessionId) {
        return db.queryForObject("select count(*) from broker_sessions where session_id = ?", Integer.class, sessionId);
    }
}
