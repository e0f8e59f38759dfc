package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** send_direct_message and check_inbox: the bot's conversations with people. */
public final class InboxTools {

    private final MattermostClient client;
    private final Directory directory;
    private final UserTools users;
    private final PostTools posts;

    public InboxTools(MattermostClient client, Directory directory, UserTools users, PostTools posts) {
        this.client = client;
        this.directory = directory;
        this.users = users;
        this.posts = posts;
    }

    /** Finds or creates the direct channel with that user, then posts to it. */
    public Map<String, Object> sendDirect(Map<String, Object> args) {
        client.requireConfigured();
        String message = Args.message(args, "message");
        JsonNode other = users.lookup(args);
        // "me" is refused inside the body: both ids, the bot's own from GET /users/me.
        JsonNode channel = client.post("/channels/direct", List.of(directory.myId(), other.path("id").asText()));
        Map<String, Object> post = new LinkedHashMap<>();
        post.put("channel_id", channel.path("id").asText());
        post.put("message", message);
        JsonNode created = client.post("/posts", post);
        Map<String, Object> r = Shapes.post(created, directory.me().path("username").asText());
        r.put("recipient_id", other.path("id").asText());
        r.put("recipient", other.path("username").asText());
        r.put("status", "sent");
        return r;
    }

    /**
     * Unread posts and mentions per channel: what arrived since {@code since} (or since the bot last
     * viewed each channel), newest channel first, the bot's own posts left out.
     */
    public Map<String, Object> checkInbox(Map<String, Object> args) {
        client.requireConfigured();
        Long since = Args.time(args, "since");
        String me = directory.myId();
        String mention = "@" + directory.me().path("username").asText();
        List<Map<String, Object>> channels = new ArrayList<>();
        long totalUnread = 0;
        long totalMentions = 0;
        for (JsonNode team : directory.myTeams()) {
            String teamId = team.path("id").asText();
            Map<String, JsonNode> membership = new HashMap<>();
            for (JsonNode m : client.get("/users/" + me + "/teams/" + teamId + "/channels/members")) {
                membership.put(m.path("channel_id").asText(), m);
            }
            for (JsonNode c : client.get("/users/" + me + "/teams/" + teamId + "/channels")) {
                JsonNode member = membership.get(c.path("id").asText());
                long lastViewed = member == null ? 0 : member.path("last_viewed_at").asLong(0);
                long from = since != null ? since : lastViewed;
                if (c.path("last_post_at").asLong(0) <= from) {
                    continue;
                }
                JsonNode list = client.get("/channels/" + c.path("id").asText() + "/posts",
                        Map.of("since", from));
                List<Map<String, Object>> fresh = new ArrayList<>();
                long mentions = 0;
                for (Map<String, Object> p : posts.posts(list, false)) {
                    // since also returns posts edited after it: only those written after count.
                    if (me.equals(p.get("user_id")) || p.containsKey("deleted_at")
                            || java.time.Instant.parse(String.valueOf(p.get("created_at"))).toEpochMilli() <= from) {
                        continue;
                    }
                    boolean mentioned = String.valueOf(p.get("message")).contains(mention) || "D".equals(c.path("type").asText());
                    p.put("mentions_me", mentioned);
                    mentions += mentioned ? 1 : 0;
                    fresh.add(p);
                }
                if (fresh.isEmpty()) {
                    continue;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("channel_id", c.path("id").asText());
                row.put("channel_name", c.path("name").asText());
                row.put("display_name", c.path("display_name").asText(""));
                row.put("type", c.path("type").asText());
                row.put("team_id", teamId);
                row.put("unread_count", fresh.size());
                row.put("mention_count", mentions);
                row.put("latest_at", fresh.get(0).get("created_at"));
                row.put("posts", fresh);
                channels.add(row);
                totalUnread += fresh.size();
                totalMentions += mentions;
            }
        }
        channels.sort((a, b) -> String.valueOf(b.get("latest_at")).compareTo(String.valueOf(a.get("latest_at"))));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("since", since == null ? "last viewed" : Shapes.iso(since));
        r.put("channels", channels);
        r.put("total_unread", totalUnread);
        r.put("total_mentions", totalMentions);
        r.put("checked_at", java.time.Instant.now().toString());
        return r;
    }
}
