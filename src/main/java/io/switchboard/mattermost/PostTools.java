package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.guard.ToolException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The post tools: messages, threads, history, edits, pins, reactions, search. */
public final class PostTools {

    private final MattermostClient client;
    private final Directory directory;

    public PostTools(MattermostClient client, Directory directory) {
        this.client = client;
        this.directory = directory;
    }

    public Map<String, Object> sendMessage(Map<String, Object> args) {
        client.requireConfigured();
        Map<String, Object> post = new LinkedHashMap<>();
        post.put("channel_id", Args.id(args, "channel_id"));
        post.put("message", Args.message(args, "message"));
        String root = Args.optionalId(args, "root_id");
        if (root != null) {
            post.put("root_id", root);
        }
        List<String> files = Args.ids(args, "file_ids", 5);
        if (!files.isEmpty()) {
            post.put("file_ids", files);
        }
        Object props = args.get("props");
        if (props != null) {
            if (!(props instanceof Map<?, ?>)) {
                throw ToolException.validation("props must be an object");
            }
            post.put("props", props);
        }
        return created(client.post("/posts", post));
    }

    public Map<String, Object> replyToThread(Map<String, Object> args) {
        client.requireConfigured();
        String rootId = Args.id(args, "root_post_id");
        String message = Args.message(args, "message");
        JsonNode root = client.get("/posts/" + rootId);
        // A reply to a reply belongs to the same thread: Mattermost wants the thread's root.
        String threadRoot = root.path("root_id").asText("").isEmpty() ? rootId : root.path("root_id").asText();
        Map<String, Object> post = new LinkedHashMap<>();
        post.put("channel_id", root.path("channel_id").asText());
        post.put("message", message);
        post.put("root_id", threadRoot);
        return created(client.post("/posts", post));
    }

    private Map<String, Object> created(JsonNode p) {
        Map<String, Object> r = Shapes.post(p, directory.username(p.path("user_id").asText()));
        r.put("status", "sent");
        return r;
    }

    public Map<String, Object> channelHistory(Map<String, Object> args) {
        client.requireConfigured();
        String channel = Args.id(args, "channel_id");
        int page = Args.page(args);
        int perPage = Args.perPage(args, 60);
        Map<String, Object> query = new LinkedHashMap<>();
        Long since = Args.time(args, "since");
        if (since != null) {
            // Mattermost ignores paging with since: all posts changed since then.
            query.put("since", since);
        } else {
            query.put("page", page);
            query.put("per_page", perPage);
        }
        String before = Args.optionalId(args, "before");
        if (before != null) {
            query.put("before", before);
        }
        String after = Args.optionalId(args, "after");
        if (after != null) {
            query.put("after", after);
        }
        List<Map<String, Object>> posts = posts(client.get("/channels/" + channel + "/posts", query), false);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("channel_id", channel);
        r.put("posts", posts);
        r.put("count", posts.size());
        r.put("page", page);
        r.put("per_page", perPage);
        r.put("has_more", since == null && posts.size() >= perPage);
        return r;
    }

    public Map<String, Object> thread(Map<String, Object> args) {
        client.requireConfigured();
        String postId = Args.id(args, "post_id");
        List<Map<String, Object>> posts = posts(client.get("/posts/" + postId + "/thread"), true);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("post_id", postId);
        r.put("root_id", posts.isEmpty() ? postId : posts.get(0).get("post_id"));
        r.put("posts", posts);
        r.put("count", posts.size());
        return r;
    }

    public Map<String, Object> updateMessage(Map<String, Object> args) {
        client.requireConfigured();
        String postId = Args.id(args, "post_id");
        JsonNode p = client.put("/posts/" + postId + "/patch", Map.of("message", Args.message(args, "message")));
        return Shapes.post(p, directory.username(p.path("user_id").asText()));
    }

    public Map<String, Object> deleteMessage(Map<String, Object> args) {
        client.requireConfigured();
        String postId = Args.id(args, "post_id");
        client.delete("/posts/" + postId);
        return Map.of("post_id", postId, "deleted", true);
    }

    public Map<String, Object> pin(Map<String, Object> args) {
        return pinned(args, true);
    }

    public Map<String, Object> unpin(Map<String, Object> args) {
        return pinned(args, false);
    }

    private Map<String, Object> pinned(Map<String, Object> args, boolean pin) {
        client.requireConfigured();
        String postId = Args.id(args, "post_id");
        client.post("/posts/" + postId + (pin ? "/pin" : "/unpin"), null);
        return Map.of("post_id", postId, "is_pinned", pin);
    }

    public Map<String, Object> addReaction(Map<String, Object> args) {
        client.requireConfigured();
        String postId = Args.id(args, "post_id");
        String emoji = Args.emoji(args);
        String user = reactingUser(args);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user_id", user);
        body.put("post_id", postId);
        body.put("emoji_name", emoji);
        JsonNode r = client.post("/reactions", body);
        Map<String, Object> out = Shapes.reaction(r, directory.username(user));
        out.put("added", true);
        return out;
    }

    public Map<String, Object> removeReaction(Map<String, Object> args) {
        client.requireConfigured();
        String postId = Args.id(args, "post_id");
        String emoji = Args.emoji(args);
        String user = reactingUser(args);
        client.delete("/users/" + user + "/posts/" + postId + "/reactions/" + emoji);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("post_id", postId);
        out.put("user_id", user);
        out.put("emoji_name", emoji);
        out.put("removed", true);
        return out;
    }

    /** Mattermost refuses "me" in a reaction's body: the bot's own id unless another user is named. */
    private String reactingUser(Map<String, Object> args) {
        String user = Args.string(args, "user_id");
        if (user == null || "me".equals(user)) {
            return directory.myId();
        }
        return Args.checkId(user, "user_id");
    }

    public Map<String, Object> searchPosts(Map<String, Object> args) {
        client.requireConfigured();
        String terms = Args.required(args, "terms");
        int page = Args.page(args);
        int perPage = Args.perPage(args, 60);
        String team = Args.optionalId(args, "team_id");
        List<String> teams = new ArrayList<>();
        if (team != null) {
            teams.add(team);
        } else {
            directory.myTeams().forEach(t -> teams.add(t.path("id").asText()));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("terms", terms);
        // The contract requires it; Mattermost's own client always sends it.
        body.put("is_or_search", Args.bool(args, "is_or_search", false));
        body.put("time_zone_offset", 0);
        body.put("include_deleted_channels", false);
        body.put("page", page);
        body.put("per_page", perPage);
        List<Map<String, Object>> posts = new ArrayList<>();
        for (String t : teams) {
            posts.addAll(posts(client.post("/teams/" + t + "/posts/search", body), false));
        }
        posts.sort((a, b) -> String.valueOf(b.get("created_at")).compareTo(String.valueOf(a.get("created_at"))));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("terms", terms);
        r.put("posts", posts);
        r.put("count", posts.size());
        r.put("page", page);
        r.put("per_page", perPage);
        return r;
    }

    /** mattermost://channels/{channel_id}/posts: the channel's latest posts, newest first. */
    public Map<String, Object> recentPosts(String channelId) {
        client.requireConfigured();
        String channel = Args.checkId(channelId == null ? "" : channelId, "channel_id");
        List<Map<String, Object>> posts = posts(client.get("/channels/" + channel + "/posts",
                Map.of("page", 0, "per_page", 30)), false);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("channel_id", channel);
        r.put("posts", posts);
        r.put("count", posts.size());
        return r;
    }

    /** A PostList as posts with user names: newest first, or oldest first for a thread. */
    List<Map<String, Object>> posts(JsonNode postList, boolean oldestFirst) {
        List<JsonNode> ordered = new ArrayList<>();
        JsonNode byId = postList.path("posts");
        for (JsonNode id : postList.path("order")) {
            JsonNode p = byId.get(id.asText());
            if (p != null) {
                ordered.add(p);
            }
        }
        if (oldestFirst) {
            ordered.sort((a, b) -> Long.compare(a.path("create_at").asLong(), b.path("create_at").asLong()));
        }
        List<String> userIds = ordered.stream().map(p -> p.path("user_id").asText()).toList();
        Map<String, JsonNode> users = userIds.isEmpty() ? Map.of() : directory.users(userIds);
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode p : ordered) {
            JsonNode u = users.get(p.path("user_id").asText());
            out.add(Shapes.post(p, u == null ? "" : u.path("username").asText("")));
        }
        return out;
    }
}
