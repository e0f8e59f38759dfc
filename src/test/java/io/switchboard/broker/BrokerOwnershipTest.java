package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Three clients with three tokens: A owns a session, C fills A's queue until one message is
 * dead-lettered, and B, who knows A's session id from broker_list_sessions, tries everything a
 * session's owner may do. B may send to A; nothing else. A keeps all its messages throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerOwnershipTest {

    static final String V2026 = "2026-07-28";
    RunningSwitchboard switchboard;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("switchboard.mcp.token", "token-a,token-b,token-c,token-d");
        settings.put("switchboard.mcp.rate-limit-per-second", "0");
        settings.put("switchboard.broker.queue-limit", "2");
        settings.put("switchboard.broker.max-sessions-per-identity", "3");
        switchboard = RunningSwitchboard.start(settings);
        JsonNode chat = client("token-a").callTool("broker_register_protocol", Map.of("name", "chat", "version", "1.0.0",
                "schema", Map.of("type", "object", "properties", Map.of("text", Map.of("type", "string")))))
                .path("result").path("structuredContent");
        assertThat(chat.path("success").asBoolean()).as(chat.toString()).isTrue();
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
    }

    McpHttp client(String token) throws Exception {
        return new McpHttp(switchboard.uri("/mcp")).withToken(token).initialize();
    }

    static JsonNode call(McpHttp mcp, String tool, Map<String, Object> args) throws Exception {
        return mcp.callTool(tool, args).path("result").path("structuredContent");
    }

    static Map<String, Object> args(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static Map<String, Object> chat(String to, String text) {
        return args("recipient_id", to, "protocol_name", "chat", "protocol_version", "1.0.0", "payload", Map.of("text", text));
    }

    static void denied(JsonNode result) {
        assertThat(result.path("error_code").asText()).as(result.toString()).isEqualTo("permission_denied");
        assertThat(result.path("error").asText()).contains("belongs to another client");
    }

    @Test
    void anotherTokenCanSendToASessionButNeverActAsIt() throws Exception {
        McpHttp a = client("token-a");
        McpHttp b = client("token-b");
        McpHttp c = client("token-c");
        String aId = call(a, "broker_connect", Map.of()).path("session_id").asText();
        String bId = call(b, "broker_connect", Map.of()).path("session_id").asText();
        String cId = call(c, "broker_connect", Map.of()).path("session_id").asText();

        // C fills A's queue (limit 2): the third message becomes a dead letter of A and C, not of B.
        assertThat(call(c, "broker_send_message", chat(aId, "one")).path("success").asBoolean()).isTrue();
        assertThat(call(b, "broker_send_message", chat(aId, "two from b")).path("success").asBoolean())
                .as("sending to another client's session stays allowed").isTrue();
        JsonNode full = call(c, "broker_send_message", chat(aId, "three"));
        assertThat(full.path("error_code").asText()).as(full.toString()).isEqualTo("queue_full");

        // B finds A in the listing: an address to send to ...
        assertThat(call(b, "broker_list_sessions", Map.of()).path("sessions").toString()).contains(aId);
        // ... and nothing to act as.
        denied(call(b, "broker_connect", args("resume_session_id", aId)));
        denied(call(b, "broker_receive_messages", args("session_id", aId)));
        denied(call(b, "broker_heartbeat", args("session_id", aId)));
        denied(call(b, "broker_ack", args("session_id", aId, "message_ids", List.of("anything"))));
        denied(call(b, "broker_send_message", args("session_id", aId, "recipient_id", bId, "protocol_name", "chat",
                "protocol_version", "1.0.0", "payload", Map.of("text", "as a"))));

        JsonNode inbox = b.request("resources/read", Map.of("uri", "broker://sessions/" + aId + "/inbox"));
        assertThat(inbox.path("error").path("data").path("error_code").asText()).as(inbox.toString()).isEqualTo("permission_denied");
        assertThat(inbox.toString()).doesNotContain(cId);

        String deadLetter = call(c, "broker_dead_letters", Map.of()).path("dead_letters").get(0).path("dead_letter_id").asText();
        assertThat(call(b, "broker_dead_letters", Map.of()).toString()).doesNotContain(deadLetter).doesNotContain(aId);
        JsonNode replay = call(b, "broker_dead_letters", args("action", "replay", "dead_letter_ids", List.of(deadLetter)));
        assertThat(replay.path("replayed").size()).as(replay.toString()).isZero();
        assertThat(replay.path("success").asBoolean()).isFalse();
        assertThat(replay.path("not_found").toString()).contains(deadLetter);

        // The same handles in MCP 2026-07-28 (no transport session): the token still decides.
        denied(stateless("token-b", "broker_receive_messages", args("session_id", aId)));
        denied(stateless("token-b", "broker_heartbeat", args("session_id", aId)));

        // A lost nothing: its own inbox, both messages, its dead letter, and its replay.
        JsonNode own = a.request("resources/read", Map.of("uri", "broker://sessions/" + aId + "/inbox"));
        assertThat(own.path("result").path("contents").get(0).path("text").asText()).contains(cId).contains(bId);
        JsonNode received = call(a, "broker_receive_messages", Map.of());
        assertThat(received.path("count").asInt()).as(received.toString()).isEqualTo(2);
        assertThat(received.toString()).contains("one").contains("two from b");
        JsonNode mine = call(a, "broker_dead_letters", Map.of());
        assertThat(mine.toString()).contains(deadLetter);
        List<String> ids = received.path("messages").findValues("message_id").stream().map(JsonNode::asText).toList();
        assertThat(call(a, "broker_ack", args("message_ids", ids)).path("acked").asInt()).isEqualTo(2);
        JsonNode replayed = call(a, "broker_dead_letters", args("action", "replay", "dead_letter_ids", List.of(deadLetter)));
        assertThat(replayed.path("replayed").toString()).as(replayed.toString()).contains(deadLetter);
        assertThat(call(a, "broker_receive_messages", Map.of()).toString()).contains("three");

        // The owner is stored as a fingerprint of the token, never the token.
        List<String> owners = new JdbcTemplate(switchboard.camel().getRegistry().lookupByNameAndType("dataSource", DataSource.class))
                .queryForList("select owner from broker_sessions", String.class);
        assertThat(owners).isNotEmpty().allSatisfy(o -> assertThat(o).startsWith("token:").doesNotContain("token-"));
    }

    @Test
    void sessionsPerTokenAreLimited() throws Exception {
        McpHttp d = client("token-d");
        for (int i = 0; i < 3; i++) {
            assertThat(call(d, "broker_connect", Map.of()).path("success").asBoolean()).isTrue();
        }
        JsonNode refused = call(d, "broker_connect", Map.of());
        assertThat(refused.path("error_code").asText()).as(refused.toString()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.path("error").asText()).contains("switchboard.broker.max-sessions-per-identity");
        // Another client is not affected by D's sessions.
        assertThat(call(client("token-b"), "broker_connect", Map.of()).path("success").asBoolean()).isTrue();
    }

    /** A tools/call as a 2026-07-28 client makes it: no initialize, no MCP session. */
    JsonNode stateless(String token, String tool, Map<String, Object> arguments) throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp")).withToken(token);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", tool);
        params.put("arguments", arguments);
        params.put("_meta", Map.of("io.modelcontextprotocol/protocolVersion", V2026,
                "io.modelcontextprotocol/clientCapabilities", Map.of(),
                "io.modelcontextprotocol/clientInfo", Map.of("name", "ownership-test", "version", "1")));
        Map<String, Object> body = Map.of("jsonrpc", "2.0", "id", 7, "method", "tools/call", "params", params);
        HttpResponse<String> r = mcp.send(mcp.builder()
                .POST(HttpRequest.BodyPublishers.ofString(McpHttp.JSON.writeValueAsString(body)))
                .header("MCP-Protocol-Version", V2026).header("Mcp-Method", "tools/call").header("Mcp-Name", tool).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String text = r.body().startsWith("{") ? r.body() : r.body().lines().filter(l -> l.startsWith("data:"))
                .map(l -> l.substring(5).trim()).filter(l -> l.contains("\"result\"")).findFirst().orElseThrow();
        return McpHttp.JSON.readTree(text).path("result").path("structuredContent");
    }
}
