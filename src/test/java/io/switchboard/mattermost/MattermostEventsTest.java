package io.switchboard.mattermost;

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
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Live events: someone writes in Mattermost and the AI is told (resources/updated +
 * notifications/message), also while the WebSocket is down (polling), never twice, never missing one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MattermostEventsTest {

    FakeMattermost fake;
    RunningSwitchboard switchboard;

    @BeforeAll
    void start() throws Exception {
        fake = FakeMattermost.start();
        Map<String, String> o = new HashMap<>(MattermostToolsTest.settings(fake));
        o.put("switchboard.mattermost.poll-interval-millis", "200");
        o.put("switchboard.mattermost.socket-backoff-initial", "PT0.1S");
        o.put("switchboard.mattermost.socket-backoff-max", "PT0.5S");
        switchboard = RunningSwitchboard.start(o);
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
        fake.close();
    }

    @AfterEach
    void contract() {
        assertThat(fake.violations()).isEmpty();
    }

    McpHttp client() throws Exception {
        return new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    @Test
    void aPostReachesTheAiAsResourceUpdateAndMessage() throws Exception {
        McpHttp mcp = client();
        String channel = fake.channelId("town-square");
        String uri = "mattermost://channels/" + channel + "/posts";
        mcp.request("resources/subscribe", Map.of("uri", uri));
        mcp.request("resources/subscribe", Map.of("uri", "mattermost://reactions"));
        try (McpListener listener = new McpListener(mcp)) {
            JsonNode post = fake.postAs("alice", "town-square", "@switchboard-bot the build is red");
            await().atMost(Duration.ofSeconds(10)).until(() -> posted(listener, "the build is red").size() == 1);
            JsonNode event = posted(listener, "the build is red").get(0);
            assertThat(event.path("channel_id").asText()).isEqualTo(channel);
            assertThat(event.path("post_id").asText()).isEqualTo(post.path("id").asText());
            assertThat(event.path("user").asText()).isEqualTo("alice");
            assertThat(event.path("mentions_me").asBoolean()).isTrue();
            assertThat(event.path("created_at").asText()).endsWith("Z");
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.updated(uri));
            assertThat(listener.notifications).filteredOn(n -> "notifications/message".equals(n.path("method").asText()))
                    .allMatch(n -> "mattermost".equals(n.path("params").path("logger").asText()));

            // The resource reads the channel's latest posts.
            JsonNode read = mcp.request("resources/read", Map.of("uri", uri)).path("result").path("contents").get(0);
            JsonNode posts = McpHttp.JSON.readTree(read.path("text").asText()).path("posts");
            assertThat(posts.get(0).path("message").asText()).isEqualTo("@switchboard-bot the build is red");

            // A reaction (the bot's own, through the tool) reaches mattermost://reactions.
            mcp.callTool("mattermost_add_reaction", Map.of("post_id", post.path("id").asText(), "emoji_name", "eyes"));
            await().atMost(Duration.ofSeconds(10)).until(() -> !listener.events("reaction_added").isEmpty());
            assertThat(listener.events("reaction_added").get(0).path("emoji_name").asText()).isEqualTo("eyes");
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.updated("mattermost://reactions"));
            JsonNode reactions = McpHttp.JSON.readTree(mcp.request("resources/read", Map.of("uri", "mattermost://reactions"))
                    .path("result").path("contents").get(0).path("text").asText());
            assertThat(reactions.path("reactions").get(0).path("user").asText()).isEqualTo("switchboard-bot");

            // Edits and status changes are told too.
            mcp.callTool("mattermost_update_user_status", Map.of("status", "away"));
            await().atMost(Duration.ofSeconds(10)).until(() -> !listener.events("status_change").isEmpty());
            assertThat(listener.events("status_change").get(0).path("status").asText()).isEqualTo("away");
        }
    }

    @Test
    void whileTheSocketIsDownPollingTakesOverWithNoDuplicateAndNoGap() throws Exception {
        McpHttp mcp = client();
        try (McpListener listener = new McpListener(mcp)) {
            fake.postAs("bob", "off-topic", "outage-0 before the drop");
            await().atMost(Duration.ofSeconds(10)).until(() -> posted(listener, "outage-0").size() == 1);

            fake.refuseSockets(true);
            fake.dropSockets();
            await().atMost(Duration.ofSeconds(10)).until(() -> fake.openSockets() == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> info(mcp).contains("polling"));
            for (int i = 1; i <= 3; i++) {
                fake.postAs("carol", "off-topic", "outage-" + i + " while down");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> posted(listener, "while down").size() == 3);
            assertThat(posted(listener, "while down")).allMatch(e -> "polling".equals(e.path("via").asText()));
            assertThat(fake.requests()).anyMatch(r -> r.contains("/posts?since="));

            fake.refuseSockets(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> fake.openSockets() == 1);
            fake.postAs("alice", "off-topic", "outage-4 socket back");
            await().atMost(Duration.ofSeconds(10)).until(() -> posted(listener, "outage-4").size() == 1);
            assertThat(posted(listener, "outage-4").get(0).path("via").asText()).isEqualTo("websocket");

            // Polling stopped once the socket was back (after its one catch-up poll).
            await().atMost(Duration.ofSeconds(5)).until(() -> info(mcp).contains("events via WebSocket"));
            long polls = sincePolls();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> sincePolls() == polls);

            // Every post exactly once, in order.
            List<String> texts = listener.events("posted").stream().map(e -> e.path("message").asText())
                    .filter(t -> t.startsWith("outage-")).collect(Collectors.toList());
            assertThat(texts).containsExactly("outage-0 before the drop", "outage-1 while down", "outage-2 while down",
                    "outage-3 while down", "outage-4 socket back");
        }
    }

    long sincePolls() {
        return fake.requests().stream().filter(r -> r.contains("/posts?since=")).count();
    }

    static List<JsonNode> posted(McpListener listener, String text) {
        return listener.events("posted").stream().filter(e -> e.path("message").asText().contains(text)).toList();
    }

    static String info(McpHttp mcp) throws Exception {
        return mcp.callTool("switchboard_info", Map.of()).path("result").path("structuredContent").toString();
    }
}
