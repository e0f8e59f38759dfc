package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The fallback while the WebSocket is down: new posts of the bot's channels by REST
 * (GET /channels/{id}/posts?since=), from the last post seen in each channel. What the socket
 * also delivers is dropped later by post id, so a little overlap costs nothing and leaves no gap.
 */
public final class Poller {

    /** Looked back beyond the last post seen: clocks of Mattermost and Switchboard may differ a little. */
    private static final long OVERLAP_MILLIS = 2000;

    private final MattermostClient client;
    private final Directory directory;
    private final LongSupplier downSince;
    private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    private volatile MattermostEvents events;

    public Poller(MattermostClient client, Directory directory, LongSupplier downSince) {
        this.client = client;
        this.directory = directory;
        this.downSince = downSince;
    }

    void shapeWith(MattermostEvents events) {
        this.events = events;
    }

    /** A post was told to the clients: polling goes on from there. */
    public void seen(String channelId, long createAt) {
        lastSeen.merge(channelId, createAt, Math::max);
    }

    /** New posts of every channel the bot is in, oldest first, as posted events. */
    public List<Map<String, Object>> poll() {
        List<Map<String, Object>> found = new ArrayList<>();
        for (JsonNode channel : directory.myChannels()) {
            String id = channel.path("id").asText();
            long since = Math.max(0, lastSeen.getOrDefault(id, downSince.getAsLong()) - OVERLAP_MILLIS);
            JsonNode list = client.get("/channels/" + id + "/posts", Map.of("since", since));
            List<JsonNode> posts = new ArrayList<>();
            JsonNode byId = list.path("posts");
            for (JsonNode postId : list.path("order")) {
                JsonNode p = byId.get(postId.asText());
                // since also returns older posts edited since: only the ones written since are new.
                if (p != null && p.path("create_at").asLong() >= since && p.path("delete_at").asLong(0) == 0) {
                    posts.add(p);
                }
            }
            posts.sort((a, b) -> Long.compare(a.path("create_at").asLong(), b.path("create_at").asLong()));
            for (JsonNode p : posts) {
                found.add(events.polled(p));
            }
        }
        return found;
    }
}
