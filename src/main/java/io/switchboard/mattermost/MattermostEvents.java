package io.switchboard.mattermost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.switchboard.mcp.Notifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The seed's resource streaming flow after the socket: an event frame is filtered and normalised
 * (the post inside is a JSON string), then told to MCP clients: resources/updated for the
 * channel's posts or the reactions, and a notifications/message (logger "mattermost") to everyone.
 */
public final class MattermostEvents {

    public static final String REACTIONS_URI = "mattermost://reactions";
    private static final Set<String> EVENTS = Set.of("posted", "post_edited", "post_deleted",
            "reaction_added", "reaction_removed", "status_change");
    private static final int RECENT_REACTIONS = 100;

    private final ObjectMapper mapper;
    private final Notifier notifier;
    private final Directory directory;
    private final Poller poller;
    private final Deque<Map<String, Object>> reactions = new ArrayDeque<>();

    public MattermostEvents(ObjectMapper mapper, Notifier notifier, Directory directory, Poller poller) {
        this.mapper = mapper;
        this.notifier = notifier;
        this.directory = directory;
        this.poller = poller;
    }

    public static String channelPostsUri(String channelId) {
        return "mattermost://channels/" + channelId + "/posts";
    }

    /** A WebSocket frame as an event for MCP, or null for what is not news for the AI. */
    public Map<String, Object> normalise(String frameText) throws JsonProcessingException {
        JsonNode frame = mapper.readTree(frameText);
        String event = frame.path("event").asText("");
        if (!EVENTS.contains(event)) {
            return null;
        }
        JsonNode data = frame.path("data");
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", event);
        switch (event) {
            case "posted", "post_edited", "post_deleted" -> {
                JsonNode post = embedded(data.path("post"));
                String sender = data.path("sender_name").asText("");
                e.putAll(postEvent(event, post, sender.startsWith("@") ? sender.substring(1) : sender));
                if (data.hasNonNull("channel_name")) {
                    e.put("channel_name", data.path("channel_name").asText());
                }
                if (data.hasNonNull("mentions")) {
                    e.put("mentions_me", embedded(data.path("mentions")).toString().contains(safeMyId()));
                }
                e.put("via", "websocket");
                if ("post_edited".equals(event)) {
                    e.put("dedup_key", "post_edited:" + post.path("id").asText() + ":" + post.path("edit_at").asLong());
                }
            }
            case "reaction_added", "reaction_removed" -> {
                JsonNode r = embedded(data.path("reaction"));
                e.put("post_id", r.path("post_id").asText());
                e.put("channel_id", r.path("channel_id").asText(frame.path("broadcast").path("channel_id").asText("")));
                e.put("user_id", r.path("user_id").asText());
                e.put("emoji_name", r.path("emoji_name").asText());
                e.put("created_at", Shapes.iso(r.get("create_at")));
                e.put("dedup_key", event + ":" + r.path("post_id").asText() + ":" + r.path("user_id").asText()
                        + ":" + r.path("emoji_name").asText() + ":" + frame.path("seq").asLong());
            }
            default -> {
                e.put("user_id", data.path("user_id").asText());
                e.put("status", data.path("status").asText());
                e.put("dedup_key", "status_change:" + data.path("user_id").asText() + ":" + frame.path("seq").asLong()
                        + ":" + System.nanoTime());
            }
        }
        return e;
    }

    /** A post the polling route found, as the event the socket would have brought. */
    public Map<String, Object> polled(JsonNode post) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", "posted");
        e.putAll(postEvent("posted", post, null));
        e.put("via", "polling");
        return e;
    }

    private Map<String, Object> postEvent(String event, JsonNode post, String sender) {
        Map<String, Object> e = new LinkedHashMap<>();
        String postId = post.path("id").asText();
        e.put("channel_id", post.path("channel_id").asText());
        e.put("post_id", postId);
        e.put("user_id", post.path("user_id").asText());
        e.put("user", sender == null || sender.isEmpty() ? directory.username(post.path("user_id").asText()) : sender);
        if (!"post_deleted".equals(event)) {
            e.put("message", post.path("message").asText(""));
        }
        e.put("root_id", post.path("root_id").asText(""));
        e.put("created_at", Shapes.iso(post.get("create_at")));
        e.put("create_at_ms", post.path("create_at").asLong());
        // One key per post: a post seen over the socket and again by polling (or the reverse) is told once.
        e.put("dedup_key", event + ":" + postId);
        return e;
    }

    /** Boundary 2 -> the AI: resources/updated for the subscribers, and the event as a log message to all. */
    public void tell(Map<String, Object> event) throws JsonProcessingException {
        String kind = String.valueOf(event.get("event"));
        Map<String, Object> data = new LinkedHashMap<>(event);
        data.remove("dedup_key");
        Object createdMs = data.remove("create_at_ms");
        switch (kind) {
            case "posted", "post_edited", "post_deleted" -> {
                String channel = String.valueOf(event.get("channel_id"));
                if ("posted".equals(kind) && createdMs instanceof Number ms) {
                    poller.seen(channel, ms.longValue());
                }
                notifier.resourceUpdated(channelPostsUri(channel));
            }
            case "reaction_added", "reaction_removed" -> {
                data.put("user", directory.username(String.valueOf(event.get("user_id"))));
                synchronized (reactions) {
                    reactions.addFirst(data);
                    while (reactions.size() > RECENT_REACTIONS) {
                        reactions.removeLast();
                    }
                }
                notifier.resourceUpdated(REACTIONS_URI);
            }
            default -> data.put("user", directory.username(String.valueOf(event.get("user_id"))));
        }
        notifier.log(McpSchema.LoggingLevel.INFO, "mattermost", mapper.writeValueAsString(data));
    }

    /** mattermost://reactions: the latest reactions seen, newest first. */
    public String reactionsResource() throws JsonProcessingException {
        List<Map<String, Object>> recent;
        synchronized (reactions) {
            recent = new ArrayList<>(reactions);
        }
        return mapper.writeValueAsString(Map.of("reactions", recent, "count", recent.size()));
    }

    private JsonNode embedded(JsonNode value) {
        if (value.isTextual()) {
            try {
                return mapper.readTree(value.asText());
            } catch (JsonProcessingException e) {
                return mapper.createObjectNode();
            }
        }
        return value;
    }

    private String safeMyId() {
        try {
            return directory.myId();
        } catch (RuntimeException e) {
            return "\u0000";
        }
    }
}
