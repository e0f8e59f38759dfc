package io.switchboard.mattermost;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.CapturedLog;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every tool against the fake Mattermost, through /mcp and /mcp/mattermost: what the AI gets back,
 * what Mattermost's refusals become, and that every request met the official contract.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MattermostToolsTest {

    FakeMattermost fake;
    RunningSwitchboard switchboard;
    CapturedLog log;
    McpHttp mcp;

    static Map<String, String> settings(FakeMattermost fake) {
        Map<String, String> o = new HashMap<>();
        o.put("switchboard.mattermost.url", fake.url());
        o.put("switchboard.mattermost.token", FakeMattermost.TOKEN);
        o.put("switchboard.mattermost.rate", "1000");
        o.put("switchboard.mattermost.retry-delay-millis", "20");
        return o;
    }

    @BeforeAll
    void start() throws Exception {
        log = CapturedLog.capture();
        fake = FakeMattermost.start();
        switchboard = RunningSwitchboard.start(settings(fake));
        mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
        fake.close();
        log.close();
    }

    @AfterEach
    void everyRequestMetTheContract() {
        assertThat(fake.violations()).isEmpty();
    }

    JsonNode ok(String tool, Map<String, ?> args) throws Exception {
        JsonNode r = mcp.callTool(tool, args).path("result");
        assertThat(r.path("isError").asBoolean()).as(tool + " " + r).isFalse();
        return r.path("structuredContent");
    }

    JsonNode failure(String tool, Map<String, ?> args) throws Exception {
        JsonNode r = mcp.callTool(tool, args).path("result");
        assertThat(r.path("isError").asBoolean()).as(tool + " " + r).isTrue();
        return r.path("structuredContent");
    }

    String town() {
        return fake.channelId("town-square");
    }

    @Test
    void toolsAreListedUnderBothNames() throws Exception {
        JsonNode all = mcp.request("tools/list", Map.of()).path("result").path("tools");
        List<String> names = new java.util.ArrayList<>();
        all.forEach(t -> names.add(t.path("name").asText()));
        assertThat(names.stream().filter(n -> n.startsWith("mattermost_"))).hasSize(32);
        JsonNode own = new McpHttp(switchboard.uri("/mcp/mattermost")).initialize().request("tools/list", Map.of())
                .path("result").path("tools");
        List<String> ownNames = new java.util.ArrayList<>();
        own.forEach(t -> ownNames.add(t.path("name").asText()));
        assertThat(ownNames).hasSize(32).contains("send_message", "check_inbox", "send_direct_message",
                "get_channel_history", "update_channel", "upload_file", "get_file_info", "search_posts");
    }

    @Test
    void sendMessageReplyAndHistory() throws Exception {
        JsonNode sent = ok("mattermost_send_message", Map.of("channel_id", town(), "message", "Hello **team**"));
        String postId = sent.path("post_id").asText();
        assertThat(sent.path("username").asText()).isEqualTo("switchboard-bot");
        assertThat(sent.path("created_at").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
        assertThat(fake.post(postId).path("message").asText()).isEqualTo("Hello **team**");

        JsonNode aliceSays = fake.postAs("alice", "town-square", "hi bot");
        JsonNode reply = ok("mattermost_reply_to_thread", Map.of("root_post_id", aliceSays.path("id").asText(), "message", "hi alice"));
        assertThat(fake.post(reply.path("post_id").asText()).path("root_id").asText()).isEqualTo(aliceSays.path("id").asText());
        // A reply to the reply still lands in the root's thread.
        JsonNode again = ok("mattermost_reply_to_thread", Map.of("root_post_id", reply.path("post_id").asText(), "message", "and more"));
        assertThat(again.path("root_id").asText()).isEqualTo(aliceSays.path("id").asText());

        JsonNode history = ok("mattermost_get_channel_history", Map.of("channel_id", town(), "per_page", 2));
        assertThat(history.path("count").asInt()).isEqualTo(2);
        assertThat(history.path("posts").get(0).path("message").asText()).isEqualTo("and more");
        assertThat(history.path("has_more").asBoolean()).isTrue();
        JsonNode thread = ok("mattermost_get_thread", Map.of("post_id", again.path("post_id").asText()));
        assertThat(thread.path("posts").findValuesAsText("message")).containsExactly("hi bot", "hi alice", "and more");
        assertThat(thread.path("posts").get(0).path("username").asText()).isEqualTo("alice");

        // The origin name on /mcp/mattermost does the same.
        JsonNode viaOrigin = new McpHttp(switchboard.uri("/mcp/mattermost")).initialize()
                .callTool("get_channel_history", Map.of("channel_id", town(), "per_page", 1)).path("result").path("structuredContent");
        assertThat(viaOrigin.path("posts").get(0).path("message").asText()).isEqualTo("and more");
    }

    @Test
    void historySinceIsoTime() throws Exception {
        String before = java.time.Instant.ofEpochMilli(fake.now()).toString();
        fake.postAs("bob", "off-topic", "after the mark");
        JsonNode h = ok("mattermost_get_channel_history", Map.of("channel_id", fake.channelId("off-topic"), "since", before));
        assertThat(h.path("posts").findValuesAsText("message")).containsExactly("after the mark");
        assertThat(fake.requests()).anyMatch(r -> r.contains("/posts?since="));
    }

    @Test
    void editPinReactDelete() throws Exception {
        String id = ok("mattermost_send_message", Map.of("channel_id", town(), "message", "draft")).path("post_id").asText();
        assertThat(ok("mattermost_update_message", Map.of("post_id", id, "message", "final")).path("edited_at").isTextual()).isTrue();
        assertThat(fake.post(id).path("message").asText()).isEqualTo("final");
        ok("mattermost_pin_message", Map.of("post_id", id));
        assertThat(fake.post(id).path("is_pinned").asBoolean()).isTrue();
        assertThat(ok("mattermost_get_channel_stats", Map.of("channel_id", town())).path("pinned_post_count").asInt()).isGreaterThanOrEqualTo(1);
        ok("mattermost_unpin_message", Map.of("post_id", id));
        assertThat(fake.post(id).path("is_pinned").asBoolean()).isFalse();

        JsonNode reaction = ok("mattermost_add_reaction", Map.of("post_id", id, "emoji_name", ":thumbsup:"));
        assertThat(reaction.path("emoji_name").asText()).isEqualTo("thumbsup");
        // Mattermost refuses "me" in the body: the bot's real id went out.
        assertThat(fake.reactions).anyMatch(r -> r.path("user_id").asText().equals(fake.botId) && r.path("post_id").asText().equals(id));
        ok("mattermost_remove_reaction", Map.of("post_id", id, "emoji_name", "thumbsup"));
        assertThat(fake.reactions).noneMatch(r -> r.path("post_id").asText().equals(id));

        ok("mattermost_delete_message", Map.of("post_id", id));
        assertThat(fake.post(id).path("delete_at").asLong()).isPositive();
        assertThat(failure("mattermost_get_thread", Map.of("post_id", id)).path("error_code").asText()).isEqualTo("not_found");
    }

    @Test
    void channels() throws Exception {
        JsonNode list = ok("mattermost_list_channels", Map.of("team_id", fake.teamId));
        assertThat(list.path("channels").findValuesAsText("name")).contains("town-square", "off-topic").doesNotContain("secret");
        JsonNode byName = ok("mattermost_get_channel", Map.of("team_id", fake.teamId, "channel_name", "off-topic"));
        assertThat(byName.path("channel_id").asText()).isEqualTo(fake.channelId("off-topic"));
        assertThat(ok("mattermost_get_channel", Map.of("channel_id", town())).path("display_name").asText()).isEqualTo("Town Square");

        JsonNode created = ok("mattermost_create_channel", Map.of("team_id", fake.teamId, "name", "release-war-room",
                "display_name", "Release war room", "type", "P", "purpose", "ship it"));
        String id = created.path("channel_id").asText();
        assertThat(fake.channels.get(id).path("type").asText()).isEqualTo("P");
        JsonNode privateToo = ok("mattermost_list_channels", Map.of("team_id", fake.teamId, "public_only", false));
        assertThat(privateToo.path("channels").findValuesAsText("name")).contains("release-war-room");

        ok("mattermost_add_user_to_channel", Map.of("channel_id", id, "user_id", fake.id("bob")));
        JsonNode members = ok("mattermost_get_channel_members", Map.of("channel_id", id));
        assertThat(members.path("members").findValuesAsText("username")).containsExactlyInAnyOrder("switchboard-bot", "bob");
        ok("mattermost_remove_user_from_channel", Map.of("channel_id", id, "user_id", fake.id("bob")));
        assertThat(fake.members.get(id)).doesNotContainKey(fake.id("bob"));

        // Our own change shows at once, though channels are cached.
        ok("mattermost_get_channel", Map.of("channel_id", id));
        ok("mattermost_update_channel", Map.of("channel_id", id, "header", "Status: green"));
        assertThat(ok("mattermost_get_channel", Map.of("channel_id", id)).path("header").asText()).isEqualTo("Status: green");
        assertThat(ok("mattermost_get_channel", Map.of("channel_id", id)).path("purpose").asText()).isEqualTo("ship it");

        assertThat(ok("mattermost_search_channels", Map.of("team_id", fake.teamId, "term", "off")).path("channels")
                .findValuesAsText("name")).containsExactly("off-topic");
        ok("mattermost_delete_channel", Map.of("channel_id", id));
        assertThat(fake.channels.get(id).path("delete_at").asLong()).isPositive();
        assertThat(ok("mattermost_get_channel", Map.of("channel_id", id)).has("deleted_at")).isTrue();
    }

    @Test
    void usersTeamsAndStatus() throws Exception {
        JsonNode me = ok("mattermost_get_me", Map.of());
        assertThat(me.path("username").asText()).isEqualTo("switchboard-bot");
        assertThat(me.path("teams").findValuesAsText("name")).containsExactly("acme");
        JsonNode auth = ok("mattermost_get_auth_status", Map.of());
        assertThat(auth.path("authenticated").asBoolean()).isTrue();
        assertThat(auth.toString()).doesNotContain(FakeMattermost.TOKEN);
        assertThat(ok("mattermost_get_user", Map.of("username", "@alice")).path("user_id").asText()).isEqualTo(fake.id("alice"));
        assertThat(ok("mattermost_get_user", Map.of("user_id", fake.id("bob"))).path("username").asText()).isEqualTo("bob");
        assertThat(ok("mattermost_search_users", Map.of("term", "car")).path("users").findValuesAsText("username")).containsExactly("carol");
        assertThat(ok("mattermost_get_user_status", Map.of("username", "alice")).path("status").asText()).isEqualTo("online");
        JsonNode dnd = ok("mattermost_update_user_status", Map.of("status", "dnd"));
        assertThat(dnd.path("status").asText()).isEqualTo("dnd");
        assertThat(fake.statuses.get(fake.botId).path("status").asText()).isEqualTo("dnd");
        JsonNode teams = ok("mattermost_list_teams", Map.of());
        assertThat(teams.path("teams").get(0).path("member").asBoolean()).isTrue();
    }

    @Test
    void filesGoUpThenIntoAPost() throws Exception {
        String content = Base64.getEncoder().encodeToString("quarterly numbers".getBytes(StandardCharsets.UTF_8));
        JsonNode up = ok("mattermost_upload_file", Map.of("channel_id", town(), "filename", "q3.txt", "content_base64", content));
        String fileId = up.path("file_id").asText();
        assertThat(up.path("size").asLong()).isEqualTo(17);
        JsonNode post = ok("mattermost_send_message", Map.of("channel_id", town(), "message", "see attached", "file_ids", List.of(fileId)));
        JsonNode info = ok("mattermost_get_file_info", Map.of("file_id", fileId));
        assertThat(info.path("name").asText()).isEqualTo("q3.txt");
        assertThat(info.path("post_id").asText()).isEqualTo(post.path("post_id").asText());
        assertThat(failure("mattermost_upload_file", Map.of("channel_id", town(), "filename", "../etc/passwd", "content_base64", content))
                .path("error_code").asText()).isEqualTo("validation_error");
        assertThat(failure("mattermost_upload_file", Map.of("channel_id", town(), "filename", "x.bin", "content_base64", "%%%not base64"))
                .path("error_code").asText()).isEqualTo("validation_error");
    }

    @Test
    void searchPostsSendsIsOrSearch() throws Exception {
        fake.postAs("carol", "off-topic", "the deploy pipeline is green");
        JsonNode found = ok("mattermost_search_posts", Map.of("terms", "pipeline green"));
        assertThat(found.path("posts").findValuesAsText("username")).contains("carol");
        assertThat(ok("mattermost_search_posts", Map.of("terms", "pipeline nonsense")).path("count").asInt()).isZero();
        assertThat(ok("mattermost_search_posts", Map.of("terms", "pipeline nonsense", "is_or_search", true)).path("count").asInt()).isPositive();
    }

    @Test
    void directMessagesAndTheInbox() throws Exception {
        JsonNode dm = ok("mattermost_send_direct_message", Map.of("username", "bob", "message", "ping from the bot"));
        assertThat(dm.path("recipient").asText()).isEqualTo("bob");
        JsonNode channel = fake.channels.get(dm.path("channel_id").asText());
        assertThat(channel.path("type").asText()).isEqualTo("D");
        // Found, not created twice.
        JsonNode again = ok("mattermost_send_direct_message", Map.of("user_id", fake.id("bob"), "message", "again"));
        assertThat(again.path("channel_id").asText()).isEqualTo(dm.path("channel_id").asText());

        String mark = java.time.Instant.ofEpochMilli(fake.now()).toString();
        fake.postAs("alice", "off-topic", "@switchboard-bot can you summarise?");
        fake.postAs("carol", "town-square", "lunch?");
        JsonNode inbox = ok("mattermost_check_inbox", Map.of("since", mark));
        assertThat(inbox.path("total_unread").asInt()).isEqualTo(2);
        assertThat(inbox.path("total_mentions").asInt()).isEqualTo(1);
        // Newest first: town-square had the last post.
        assertThat(inbox.path("channels").findValuesAsText("channel_name")).containsExactly("town-square", "off-topic");
        JsonNode offTopic = inbox.path("channels").get(1);
        assertThat(offTopic.path("posts").get(0).path("mentions_me").asBoolean()).isTrue();
        assertThat(offTopic.path("posts").get(0).path("username").asText()).isEqualTo("alice");
        // Without since: what the bot has not viewed (it never read town-square since joining).
        assertThat(ok("mattermost_check_inbox", Map.of()).path("total_unread").asInt()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void mattermostRefusalsBecomeErrorCodes() throws Exception {
        String missing = FakeMattermost.newId();
        JsonNode notFound = failure("mattermost_get_channel", Map.of("channel_id", missing));
        assertThat(notFound.path("error_code").asText()).isEqualTo("not_found");
        assertThat(notFound.path("error").asText()).contains("Unable to find the existing channel");
        assertThat(notFound.path("correlation_id").asText()).isNotEmpty();
        JsonNode denied = failure("mattermost_get_channel_history", Map.of("channel_id", fake.channelId("secret")));
        assertThat(denied.path("error_code").asText()).isEqualTo("permission_denied");
        assertThat(failure("mattermost_send_message", Map.of("channel_id", fake.channelId("secret"), "message", "x"))
                .path("error_code").asText()).isEqualTo("permission_denied");
        assertThat(failure("mattermost_get_user", Map.of("username", "nobody")).path("error_code").asText()).isEqualTo("not_found");
        // Checked before anything is sent: a path can never be smuggled into a URL.
        fake.clearRequests();
        JsonNode bad = failure("mattermost_get_channel", Map.of("channel_id", "../users/me"));
        assertThat(bad.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(failure("mattermost_get_channel_history", Map.of("channel_id", town(), "per_page", 500))
                .path("error_code").asText()).isEqualTo("validation_error");
        assertThat(failure("mattermost_update_channel", Map.of("channel_id", town())).path("error_code").asText()).isEqualTo("validation_error");
        assertThat(fake.requests()).isEmpty();
        assertThat(notFound.toString() + denied).doesNotContain("Exception").doesNotContain("at io.");
    }

    @Test
    void theTokenNeverShows() throws Exception {
        ok("mattermost_get_auth_status", Map.of());
        ok("mattermost_get_me", Map.of());
        failure("mattermost_get_channel", Map.of("channel_id", FakeMattermost.newId()));
        JsonNode info = mcp.callTool("switchboard_info", Map.of()).path("result");
        assertThat(info.toString()).contains("mattermost").doesNotContain(FakeMattermost.TOKEN);
        assertThat(log.text()).contains("Mattermost").doesNotContain(FakeMattermost.TOKEN);
    }
}
