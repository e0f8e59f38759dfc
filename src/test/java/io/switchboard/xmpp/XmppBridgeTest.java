package io.switchboard.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.McpListener;
import io.switchboard.testing.RunningSwitchboard;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.sid.element.OriginIdElement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;

/** The bridge against a real Prosody: both directions 1:1 and in a room, presence, roster, refusals. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class XmppBridgeTest {

    ProsodyServer prosody;
    RunningSwitchboard switchboard;
    XmppPeer alice;
    XmppPeer bob;

    static Map<String, String> account(ProsodyServer prosody) {
        Map<String, String> o = new HashMap<>();
        o.put("switchboard.xmpp.jid", ProsodyServer.jid("switchboard"));
        o.put("switchboard.xmpp.password", ProsodyServer.password("switchboard"));
        o.put("switchboard.xmpp.host", "127.0.0.1");
        o.put("switchboard.xmpp.port", Integer.toString(prosody.port()));
        o.put("switchboard.xmpp.security", "disabled");
        return o;
    }

    @BeforeAll
    void start() throws Exception {
        prosody = ProsodyServer.start("switchboard", "alice", "bob");
        switchboard = RunningSwitchboard.start(account(prosody));
        alice = XmppPeer.login(prosody, "alice");
        bob = XmppPeer.login(prosody, "bob");
    }

    @AfterAll
    void stop() throws Exception {
        alice.close();
        bob.close();
        switchboard.close();
        prosody.close();
    }

    McpHttp client() throws Exception {
        return new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    static JsonNode call(McpHttp mcp, String tool, Object args) throws Exception {
        return mcp.callTool(tool, args).path("result");
    }

    JdbcTemplate db() {
        return new JdbcTemplate(switchboard.camel().getRegistry().lookupByNameAndType("dataSource", DataSource.class));
    }

    @Test
    void pingShowsTheConnection() throws Exception {
        JsonNode ping = call(client(), "xmpp_ping", Map.of()).path("structuredContent");
        assertThat(ping.path("connection_state").asText()).isEqualTo("connected");
        assertThat(ping.path("jid").asText()).isEqualTo("switchboard@localhost");
        assertThat(ping.path("server").asText()).isEqualTo("127.0.0.1:" + prosody.port());
        assertThat(ping.path("queue_depths").has("inbound")).isTrue();
    }

    @Test
    void aPersonsMessageReachesTheAiAndTheAiAnswers() throws Exception {
        McpHttp mcp = client();
        mcp.request("resources/subscribe", Map.of("uri", "xmpp://inbox"));
        try (McpListener listener = new McpListener(mcp)) {
            alice.send("switchboard@localhost", "hello from alice");
            await().atMost(Duration.ofSeconds(10)).until(() -> !listener.events("xmpp_message").isEmpty());
            JsonNode event = listener.events("xmpp_message").get(0);
            assertThat(event.path("from").asText()).isEqualTo("alice@localhost");
            assertThat(event.path("body").asText()).isEqualTo("hello from alice");
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.updated("xmpp://inbox"));
        }
        JsonNode read = call(mcp, "xmpp_read_messages", Map.of("from", "alice@localhost", "unread_only", true)).path("structuredContent");
        assertThat(read.path("count").asInt()).isEqualTo(1);
        assertThat(read.path("messages").get(0).path("body").asText()).isEqualTo("hello from alice");
        // Read once: no longer unread.
        assertThat(call(mcp, "xmpp_read_messages", Map.of("from", "alice@localhost", "unread_only", true))
                .path("structuredContent").path("count").asInt()).isZero();

        JsonNode sent = call(mcp, "xmpp_send_message", Map.of("recipient", "alice@localhost", "message", "hello alice")).path("structuredContent");
        String id = sent.path("message_id").asText();
        assertThat(sent.path("status").asText()).isEqualTo("queued");
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.bodies().contains("hello alice"));
        Message got = alice.received.stream().filter(m -> "hello alice".equals(m.getBody())).findFirst().orElseThrow();
        assertThat(got.getFrom().asBareJid().toString()).isEqualTo("switchboard@localhost");
        assertThat(OriginIdElement.getOriginId(got).getId()).isEqualTo(id);
        // Alice's client sends a receipt (XEP-0184): the outbox says delivered.
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(
                db().queryForObject("select status from xmpp_outbox where message_id = ?", String.class, id)));
    }

    @Test
    void roomsBothWays() throws Exception {
        McpHttp mcp = client();
        String room = "lab@" + ProsodyServer.MUC;
        JsonNode joined = call(mcp, "xmpp_join_room", Map.of("room", room, "nick", "ai")).path("structuredContent");
        assertThat(joined.path("joined").asBoolean()).as(joined.toString()).isTrue();
        MultiUserChat bobInLab = bob.join(room, "bob");
        try (McpListener listener = new McpListener(mcp)) {
            bobInLab.sendMessage("hello room");
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.events("xmpp_message").stream()
                    .anyMatch(e -> e.path("body").asText().equals("hello room")));
            JsonNode e = listener.events("xmpp_message").stream().filter(x -> x.path("body").asText().equals("hello room")).findFirst().orElseThrow();
            assertThat(e.path("room").asText()).isEqualTo(room);
            assertThat(e.path("from").asText()).isEqualTo(room + "/bob");
        }
        JsonNode read = call(mcp, "xmpp_read_messages", Map.of("from", room)).path("structuredContent");
        assertThat(read.path("messages").toString()).contains("hello room").doesNotContain("from the ai");

        call(mcp, "xmpp_send_room_message", Map.of("room", room, "message", "from the ai"));
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.received.stream()
                .anyMatch(m -> "from the ai".equals(m.getBody()) && m.getFrom().toString().equals(room + "/ai")));
        // Our own echo from the room is not news for the AI.
        assertThat(call(mcp, "xmpp_read_messages", Map.of("from", room)).path("structuredContent").toString()).doesNotContain("from the ai");

        JsonNode left = call(mcp, "xmpp_leave_room", Map.of("room", room)).path("structuredContent");
        assertThat(left.path("left").asBoolean()).isTrue();
        JsonNode notIn = call(mcp, "xmpp_send_room_message", Map.of("room", room, "message", "x"));
        assertThat(notIn.path("isError").asBoolean()).isTrue();
        assertThat(notIn.path("structuredContent").path("error_code").asText()).isEqualTo("validation_error");
        assertThat(notIn.path("structuredContent").path("suggestions").toString()).contains("join_room");
    }

    @Test
    void presenceChangesReachTheAiAndTheRosterShowsThem() throws Exception {
        McpHttp mcp = client();
        mcp.request("resources/subscribe", Map.of("uri", "xmpp://presence/bob@localhost"));
        try (McpListener listener = new McpListener(mcp)) {
            bob.subscribeTo("switchboard@localhost");
            await().atMost(Duration.ofSeconds(10)).until(() -> call(mcp, "xmpp_list_contacts", Map.of())
                    .path("structuredContent").path("contacts").toString().contains("bob@localhost"));
            bob.presence(Presence.Mode.dnd, "in a meeting");
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.events("xmpp_presence").stream()
                    .anyMatch(e -> e.path("jid").asText().equals("bob@localhost") && e.path("show").asText().equals("dnd")));
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.updated("xmpp://presence/bob@localhost"));
        }
        JsonNode contacts = call(mcp, "xmpp_list_contacts", Map.of()).path("structuredContent").path("contacts");
        JsonNode bobEntry = null;
        for (JsonNode c : contacts) {
            if (c.path("jid").asText().equals("bob@localhost")) {
                bobEntry = c;
            }
        }
        assertThat(bobEntry).isNotNull();
        assertThat(bobEntry.path("presence").path("show").asText()).isEqualTo("dnd");
        assertThat(bobEntry.path("presence").path("status").asText()).isEqualTo("in a meeting");
        JsonNode resource = mcp.request("resources/read", Map.of("uri", "xmpp://presence/bob@localhost"));
        assertThat(resource.path("result").path("contents").get(0).path("text").asText()).contains("\"show\":\"dnd\"");

        // And ours: bob sees the AI's presence change.
        JsonNode set = call(mcp, "xmpp_set_presence", Map.of("show", "away", "status", "thinking")).path("structuredContent");
        assertThat(set.path("show").asText()).isEqualTo("away");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Presence p = org.jivesoftware.smack.roster.Roster.getInstanceFor(bob.connection)
                    .getPresence(org.jxmpp.jid.impl.JidCreate.bareFrom("switchboard@localhost"));
            return p.getMode() == Presence.Mode.away && "thinking".equals(p.getStatus());
        });
    }

    @Test
    void badAddressesAndOversizedBodiesAreRefusedClearly() throws Exception {
        McpHttp mcp = client();
        for (String bad : List.of("not a jid", "@localhost", "alice@", "alice@localhost@else", "localhost")) {
            JsonNode r = call(mcp, "xmpp_send_message", Map.of("recipient", bad, "message", "hi"));
            assertThat(r.path("isError").asBoolean()).as(bad).isTrue();
            assertThat(r.path("structuredContent").path("error_code").asText()).as(bad).isEqualTo("validation_error");
            assertThat(r.path("structuredContent").path("error").asText()).as(bad).contains("JID");
        }
        JsonNode big = call(mcp, "xmpp_send_message", Map.of("recipient", "alice@localhost", "message", "x".repeat(5001)));
        assertThat(big.path("isError").asBoolean()).isTrue();
        assertThat(big.path("structuredContent").path("error_code").asText()).isEqualTo("validation_error");
        assertThat(big.path("structuredContent").path("error").asText()).contains("5000");
        JsonNode empty = call(mcp, "xmpp_send_message", Map.of("recipient", "alice@localhost", "message", " "));
        assertThat(empty.path("isError").asBoolean()).isTrue();
        // Nothing refused was stored.
        assertThat(db().queryForObject("select count(*) from xmpp_outbox where body = ' ' or length(body) > 5000", Integer.class)).isZero();
    }

    @Test
    void textXmlCannotCarryIsRefusedBeforeItReachesTheStream() throws Exception {
        McpHttp mcp = client();
        // Prosody closes the whole stream on a NUL or other C0 control character: such text must
        // never be queued, and the link must stay up for the messages that follow.
        for (String bad : List.of("bell\u0007", "nul\u0000here", "escape\u001b[31m", "not a char \uFFFF")) {
            JsonNode r = call(mcp, "xmpp_send_message", Map.of("recipient", "alice@localhost", "message", bad));
            assertThat(r.path("isError").asBoolean()).as(bad).isTrue();
            assertThat(r.path("structuredContent").path("error_code").asText()).as(bad).isEqualTo("validation_error");
            assertThat(r.path("structuredContent").path("error").asText()).as(bad).contains("message");
        }
        JsonNode status = call(mcp, "xmpp_set_presence", Map.of("show", "away", "status", "gone\u001bfishing"));
        assertThat(status.path("structuredContent").path("error_code").asText()).isEqualTo("validation_error");
        assertThat(db().queryForObject("select count(*) from xmpp_outbox where body like 'bell%' or body like 'nul%'", Integer.class)).isZero();

        call(mcp, "xmpp_send_message", Map.of("recipient", "alice@localhost", "message", "tab\tand\nnewline are fine"));
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.bodies().contains("tab\tand\nnewline are fine"));
        assertThat(call(mcp, "xmpp_ping", Map.of()).path("structuredContent").path("connection_state").asText()).isEqualTo("connected");
    }

    @Test
    void originNamesOnTheSystemEndpoint() throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp/xmpp")).initialize();
        JsonNode tools = mcp.request("tools/list", Map.of()).path("result").path("tools");
        assertThat(tools.findValuesAsText("name")).contains("send_xmpp_message", "ping", "read_messages", "set_presence",
                "list_contacts", "join_room", "send_room_message", "leave_room");
        JsonNode sent = call(mcp, "send_xmpp_message", Map.of("recipient", "bob@localhost", "message", "via origin name"));
        assertThat(sent.path("structuredContent").path("message_id").asText()).isNotBlank();
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.bodies().contains("via origin name"));
    }
}
