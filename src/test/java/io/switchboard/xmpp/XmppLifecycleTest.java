package io.switchboard.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What survives a restart of Switchboard, what an unconfigured or badly secured bridge answers. */
class XmppLifecycleTest {

    @Test
    void theInboxAndTheRoomsSurviveARestart() throws Exception {
        try (ProsodyServer prosody = ProsodyServer.start("switchboard", "alice", "bob");
             XmppPeer alice = XmppPeer.login(prosody, "alice")) {
            Map<String, String> settings = XmppBridgeTest.account(prosody);
            String room = "ops@" + ProsodyServer.MUC;
            String dataDir;
            try (RunningSwitchboard first = RunningSwitchboard.start(settings)) {
                dataDir = first.dataDir().toString();
                McpHttp mcp = new McpHttp(first.uri("/mcp")).initialize();
                JsonNode joined = mcp.callTool("xmpp_join_room", Map.of("room", room, "nick", "ai")).path("result");
                assertThat(joined.path("isError").asBoolean()).as(joined.toString()).isFalse();
                alice.send("switchboard@localhost", "before the restart");
                await().atMost(Duration.ofSeconds(10)).until(() -> mcp.callTool("xmpp_read_messages", Map.of("from", "alice@localhost"))
                        .path("result").path("structuredContent").path("count").asInt() == 1);
            }
            Map<String, String> again = new HashMap<>(settings);
            again.put("switchboard.data.dir", dataDir);
            try (RunningSwitchboard second = RunningSwitchboard.start(again);
                 XmppPeer bob = XmppPeer.login(prosody, "bob")) {
                McpHttp mcp = new McpHttp(second.uri("/mcp")).initialize();
                JsonNode read = mcp.callTool("xmpp_read_messages", Map.of("from", "alice@localhost")).path("result").path("structuredContent");
                assertThat(read.path("count").asInt()).isEqualTo(1);
                assertThat(read.path("messages").get(0).path("body").asText()).isEqualTo("before the restart");
                // Back in the room without being asked again: bob's group chat reaches the inbox.
                var lab = bob.join(room, "bob");
                await().atMost(Duration.ofSeconds(15)).until(() -> {
                    lab.sendMessage("still there?");
                    return mcp.callTool("xmpp_read_messages", Map.of("from", room)).path("result")
                            .path("structuredContent").toString().contains("still there?");
                });
            }
        }
    }

    @Test
    void sendsAcceptedWhileTheServerIsDownGoOutAfterARestartOfSwitchboard() throws Exception {
        try (ProsodyServer prosody = ProsodyServer.start("switchboard", "bob")) {
            Map<String, String> settings = XmppBridgeTest.account(prosody);
            settings.put("switchboard.data.dir", java.nio.file.Files.createTempDirectory("switchboard-outbox").toString());
            prosody.stop();
            try (RunningSwitchboard first = RunningSwitchboard.startLive(settings)) {
                McpHttp mcp = new McpHttp(first.uri("/mcp")).initialize();
                for (int i = 0; i < 5; i++) {
                    JsonNode r = mcp.callTool("xmpp_send_message", Map.of("recipient", "bob@localhost", "message", "queued-" + i))
                            .path("result").path("structuredContent");
                    assertThat(r.path("status").asText()).isEqualTo("queued");
                    assertThat(r.path("connection_state").asText()).isNotEqualTo("connected");
                }
            }
            prosody.restart();
            try (RunningSwitchboard second = RunningSwitchboard.start(settings);
                 XmppPeer bob = XmppPeer.login(prosody, "bob")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> bob.bodies().size() >= 5);
                assertThat(bob.bodies()).containsExactly("queued-0", "queued-1", "queued-2", "queued-3", "queued-4");
            }
        }
    }

    @Test
    void anUnconfiguredBridgeSaysSoAndNeverPretendsToSend() throws Exception {
        try (RunningSwitchboard switchboard = RunningSwitchboard.start(Map.of("switchboard.xmpp.jid", ""))) {
            McpHttp mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
            JsonNode r = mcp.callTool("xmpp_send_message", Map.of("recipient", "alice@localhost", "message", "hi")).path("result");
            assertThat(r.path("isError").asBoolean()).isTrue();
            assertThat(r.path("structuredContent").path("error_code").asText()).isEqualTo("connection_error");
            assertThat(r.path("structuredContent").path("error").asText()).contains("not configured");
            assertThat(r.path("structuredContent").path("suggestions").toString()).contains("SWITCHBOARD_XMPP_JID");
            assertThat(r.toString()).doesNotContain("simulated");
            JsonNode ping = mcp.callTool("xmpp_ping", Map.of()).path("result").path("structuredContent");
            assertThat(ping.path("configured").asBoolean()).isFalse();
            assertThat(ping.path("detail").asText()).contains("not configured");
            JsonNode info = mcp.callTool("switchboard_info", Map.of()).path("result").path("structuredContent");
            assertThat(info.path("systems").path("xmpp").path("state").asText()).isEqualTo("not_configured");
        }
    }

    @Test
    void anUntrustedCertificateIsRefusedAndATrustedOneAccepted() throws Exception {
        try (ProsodyServer prosody = ProsodyServer.start(true, "switchboard")) {
            Map<String, String> settings = XmppBridgeTest.account(prosody);
            settings.put("switchboard.xmpp.security", "required");
            settings.put("switchboard.xmpp.password", ProsodyServer.password("switchboard"));
            // The JVM's CAs do not know the server's self-signed certificate.
            try (RunningSwitchboard untrusting = RunningSwitchboard.startLive(settings)) {
                McpHttp mcp = new McpHttp(untrusting.uri("/mcp")).initialize();
                await().atMost(Duration.ofSeconds(15)).until(() -> "failed".equals(mcp.callTool("xmpp_ping", Map.of())
                        .path("result").path("structuredContent").path("connection_state").asText()));
                JsonNode ping = mcp.callTool("xmpp_ping", Map.of()).path("result").path("structuredContent");
                assertThat(ping.path("detail").asText()).contains("certificate is not trusted");
                assertThat(ping.toString()).doesNotContain(ProsodyServer.password("switchboard"));
                JsonNode contacts = mcp.callTool("xmpp_list_contacts", Map.of()).path("result");
                assertThat(contacts.path("structuredContent").path("error_code").asText()).isEqualTo("connection_error");
            }
            settings.put("switchboard.xmpp.trust-store", prosody.trustStore().toString());
            settings.put("switchboard.xmpp.trust-store-password", "changeit");
            try (RunningSwitchboard trusting = RunningSwitchboard.start(settings)) {
                McpHttp mcp = new McpHttp(trusting.uri("/mcp")).initialize();
                await().atMost(Duration.ofSeconds(15)).until(() -> "connected".equals(mcp.callTool("xmpp_ping", Map.of())
                        .path("result").path("structuredContent").path("connection_state").asText()));
            }
        }
    }
}
